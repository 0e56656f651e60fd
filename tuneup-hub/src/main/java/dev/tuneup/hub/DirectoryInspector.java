package dev.tuneup.hub;

import dev.tuneup.model.check.ModelCheck;
import dev.tuneup.model.check.ModelCheckException;
import dev.tuneup.model.check.ModelSummary;
import dev.tuneup.registry.ModelInspector;
import dev.tuneup.registry.ModelRejected;
import java.nio.file.Path;

/** {@link ModelInspector} on {@link ModelCheck}: file headers only, no weights loaded. */
public final class DirectoryInspector implements ModelInspector {
  @Override
  public Facts inspectModel(Path dir) {
    try {
      return facts(ModelCheck.fullModel(dir));
    } catch (ModelCheckException e) {
      throw new ModelRejected(e.getMessage());
    }
  }

  @Override
  public Facts inspectAdapter(Path adapterDir, Path baseDir) {
    try {
      return facts(ModelCheck.adapter(adapterDir, baseDir));
    } catch (ModelCheckException e) {
      throw new ModelRejected(e.getMessage());
    }
  }

  private static Facts facts(ModelSummary s) {
    return new Facts(
        s.config().architecture().className(),
        s.config().numHiddenLayers(),
        s.config().hiddenSize(),
        s.config().vocabSize(),
        s.parameters(),
        s.dtype(),
        s.bytes(),
        s.loraRank());
  }
}
