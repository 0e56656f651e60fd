package dev.tuneup.registry;

/**
 * The states of a model import (the wire strings of Model Studio's import jobs): {@code PENDING}
 * (waiting for the importer), {@code RUNNING} (copying or downloading, then checking), {@code
 * SUCCEEDED} (the model is registered), {@code FAILED} (nothing is registered; the reason is kept).
 */
public enum ImportStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED;

  public boolean over() {
    return this == SUCCEEDED || this == FAILED;
  }
}
