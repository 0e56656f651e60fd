package dev.tuneup.trainer.data;

/**
 * A batch of rows, each {@code seqLen} tokens, holding one or more whole examples.
 *
 * <p>Per row: {@code segmentIds} number the examples 1, 2, 3, ... in row order and are 0 on
 * padding, so attention can be blocked across examples ({@code segment[q] == segment[k] &&
 * segment[k] != 0}, plus causality); {@code positionIds} restart at 0 for every example (0 on
 * padding); {@code labels} are the examples' unshifted labels and {@link SftExample#IGNORE} on
 * padding. The loss must not cross a segment boundary: the label after an example's last token
 * belongs to the next example, so compare {@code labels[i + 1]} only where {@code segmentIds[i + 1]
 * == segmentIds[i]}.
 *
 * @param tokens non-padding tokens in the batch
 */
public record PackedBatch(
    int[][] inputIds, int[][] labels, int[][] positionIds, int[][] segmentIds, int tokens) {

  /** Number of rows. */
  public int rows() {
    return inputIds.length;
  }

  /** Tokens per row. */
  public int seqLen() {
    return inputIds.length == 0 ? 0 : inputIds[0].length;
  }
}
