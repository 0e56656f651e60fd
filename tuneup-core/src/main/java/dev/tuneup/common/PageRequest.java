package dev.tuneup.common;

import dev.tuneup.error.InvalidParameter;

/** A validated page request: {@code pageNo} ≥ 1, {@code pageSize} in 1..{@code max}. */
public record PageRequest(int pageNo, int pageSize) {
  public static final int DEFAULT_PAGE_SIZE = 10;
  public static final int MAX_PAGE_SIZE = 100;

  public static PageRequest of(Integer pageNo, Integer pageSize, int max) {
    int no = pageNo == null ? 1 : pageNo;
    int size = pageSize == null ? DEFAULT_PAGE_SIZE : pageSize;
    if (no < 1) {
      throw new InvalidParameter("page_no", "page_no must be 1 or more, got " + no);
    }
    if (size < 1 || size > max) {
      throw new InvalidParameter(
          "page_size", "page_size must be between 1 and " + max + ", got " + size);
    }
    return new PageRequest(no, size);
  }

  public long offset() {
    return (long) (pageNo - 1) * pageSize;
  }
}
