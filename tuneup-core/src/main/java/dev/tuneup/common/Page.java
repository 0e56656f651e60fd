package dev.tuneup.common;

import java.util.List;

/** One page of a listing: 1-based {@code pageNo}, the page's items and the total count. */
public record Page<T>(int pageNo, int pageSize, long total, List<T> items) {
  public Page {
    items = List.copyOf(items);
  }
}
