package dev.tuneup.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the tokens seen so far, one pair per layer ({@code [1, kv_heads, T, d]}, after
 * RoPE), so that decoding a new token costs one token of compute. Owns its arrays; close it when
 * the sequence is done. Not thread-safe.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Tokens cached so far. */
  public int length() {
    return length;
  }

  /**
   * Lends the cached arrays to a step's manager so that everything computed from them (the
   * concatenation, the GQA repeat) lands in that step and is freed with it.
   */
  void borrow(NDManager step) {
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] != null) {
        keys[l].tempAttach(step);
        values[l].tempAttach(step);
      }
    }
  }

  NDArray[] append(int layer, NDArray k, NDArray v) {
    NDArray nk = keys[layer] == null ? k : keys[layer].concat(k, 2);
    NDArray nv = values[layer] == null ? v : values[layer].concat(v, 2);
    if (keys[layer] != null) {
      keys[layer].close();
      values[layer].close();
    }
    keys[layer] = nk;
    values[layer] = nv;
    return new NDArray[] {nk, nv};
  }

  /** Takes the extended arrays back from the step, which may now be closed. */
  void keep(long added) {
    for (int l = 0; l < keys.length; l++) {
      keys[l].attach(manager);
      values[l].attach(manager);
    }
    length += (int) added;
  }

  @Override
  public void close() {
    manager.close();
  }
}
