package dev.tuneup.backend;

import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.contract.TrainerEventCodec;
import dev.tuneup.dispatch.TrainerEventSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code events.jsonl} from a byte offset. Only lines ending in a newline are read: a trainer
 * appends whole lines, and a line still being written is left for the next read. Each line becomes
 * one {@link TrainerEvent}; a line that is not JSON or has an unknown {@code type} becomes {@link
 * TrainerEvent.Unknown} with the line as it is, so nothing a trainer writes is lost from the log.
 */
public final class JsonlEventSource implements TrainerEventSource {
  /** Largest slice read at once; a busy trainer's backlog is consumed over several reads. */
  static final int MAX_READ = 4 * 1024 * 1024;

  /** How much of an over-long line is kept in its {@link TrainerEvent.Unknown}. */
  static final int LONG_LINE_KEPT = 1024;

  private final Clock clock;

  /** Events without a readable {@code time} get the time of the read, from the system clock. */
  public JsonlEventSource() {
    this(Clock.systemUTC());
  }

  /**
   * @param clock gives the time of events whose {@code time} is missing or unreadable
   */
  public JsonlEventSource(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Batch read(Path eventsFile, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be 0 or more, got " + offset);
    }
    try (FileChannel ch = FileChannel.open(eventsFile, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size <= offset) {
        return new Batch(List.of(), offset);
      }
      byte[] bytes = readFully(ch, offset, (int) Math.min(MAX_READ, size - offset));
      int end = lastNewline(bytes);
      if (end < 0) {
        return bytes.length < MAX_READ ? new Batch(List.of(), offset) : skipLongLine(ch, offset);
      }
      return new Batch(parseLines(bytes, end), offset + end + 1);
    } catch (NoSuchFileException e) {
      return new Batch(List.of(), offset);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + eventsFile, e);
    }
  }

  private List<TrainerEvent> parseLines(byte[] bytes, int end) {
    List<TrainerEvent> events = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= end; i++) {
      if (bytes[i] == '\n') {
        int stop = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
        String line = new String(bytes, start, stop - start, StandardCharsets.UTF_8);
        if (!line.isBlank()) {
          events.add(parse(line));
        }
        start = i + 1;
      }
    }
    return events;
  }

  /**
   * A line longer than {@link #MAX_READ} would stall every later read: once it is complete, it is
   * passed as one shortened {@link TrainerEvent.Unknown} and reading goes on after it.
   */
  private Batch skipLongLine(FileChannel ch, long offset) throws IOException {
    byte[] head = readFully(ch, offset, LONG_LINE_KEPT);
    long pos = offset + MAX_READ;
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (true) {
      buf.clear();
      int n = ch.read(buf, pos);
      if (n <= 0) {
        return new Batch(List.of(), offset); // not complete yet
      }
      for (int i = 0; i < n; i++) {
        if (buf.get(i) == '\n') {
          long next = pos + i + 1;
          String kept = new String(head, StandardCharsets.UTF_8);
          String line = kept + "... (line of " + (next - 1 - offset) + " bytes shortened)";
          return new Batch(List.of(new TrainerEvent.Unknown(clock.instant(), line)), next);
        }
      }
      pos += n;
    }
  }

  private static byte[] readFully(FileChannel ch, long offset, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(len);
    while (buf.hasRemaining()) {
      if (ch.read(buf, offset + buf.position()) <= 0) {
        break;
      }
    }
    byte[] out = new byte[buf.position()];
    System.arraycopy(buf.array(), 0, out, 0, out.length);
    return out;
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** One line to an event; anything unreadable is kept as {@link TrainerEvent.Unknown}. */
  TrainerEvent parse(String line) {
    return TrainerEventCodec.decode(line, clock::instant);
  }
}
