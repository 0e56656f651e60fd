package dev.tuneup.trainer.data;

/**
 * A training or validation file has a line the trainer cannot use. The message names the file, the
 * 1-based line and what is wrong, because it becomes the job's error message.
 */
public class DataException extends RuntimeException {

  private final String file;
  private final int line;

  public DataException(String file, int line, String problem) {
    this(file, line, problem, null);
  }

  public DataException(String file, int line, String problem, Throwable cause) {
    super(file + " line " + line + ": " + problem, cause);
    this.file = file;
    this.line = line;
  }

  /** Name of the file with the bad line. */
  public String file() {
    return file;
  }

  /** 1-based number of the bad line. */
  public int line() {
    return line;
  }
}
