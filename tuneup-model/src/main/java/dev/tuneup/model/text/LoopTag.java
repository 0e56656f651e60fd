package dev.tuneup.model.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Jinjava's {@code for} tag, looping through an iterator that knows its position so that {@link
 * PythonStrings} can answer {@code loop.previtem} and {@code loop.nextitem} (LLaMA-style templates
 * check role alternation with them).
 */
final class LoopTag extends ForTag {

  @Override
  public String renderForCollection(
      TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars, Object collection) {
    Object tracked = collection;
    if (collection instanceof List<?> list) {
      tracked = new TrackedList(list);
    } else if (collection instanceof Iterator<?> it) {
      List<Object> drained = new ArrayList<>();
      it.forEachRemaining(drained::add);
      tracked = new TrackedList(drained);
    }
    return super.renderForCollection(tagNode, interpreter, loopVars, tracked);
  }

  private static final class TrackedList extends AbstractList<Object> {
    private final List<?> items;

    TrackedList(List<?> items) {
      this.items = items;
    }

    @Override
    public Object get(int index) {
      return items.get(index);
    }

    @Override
    public int size() {
      return items.size();
    }

    @Override
    public Iterator<Object> iterator() {
      return new PositionIterator(items);
    }
  }

  /** Iterator over a list that can look one item back and one ahead of the current one. */
  static final class PositionIterator implements Iterator<Object> {
    private final List<?> items;
    private int consumed;

    PositionIterator(List<?> items) {
      this.items = items;
    }

    @Override
    public boolean hasNext() {
      return consumed < items.size();
    }

    @Override
    public Object next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return items.get(consumed++);
    }

    Object previous() {
      return consumed >= 2 ? items.get(consumed - 2) : null;
    }

    Object upcoming() {
      return consumed < items.size() ? items.get(consumed) : null;
    }
  }
}
