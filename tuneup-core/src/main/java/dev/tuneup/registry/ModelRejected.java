package dev.tuneup.registry;

/** A directory that would not load; the message lists what is wrong, naming each file. */
public class ModelRejected extends RuntimeException {
  public ModelRejected(String message) {
    super(message);
  }
}
