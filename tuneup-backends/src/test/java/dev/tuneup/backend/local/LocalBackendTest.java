package dev.tuneup.backend.local;

import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.testkit.backend.BackendContract;
import dev.tuneup.testkit.http.ProcessTable;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.util.Map;

/** The backend contract on local child processes. */
class LocalBackendTest extends BackendContract {
  @Override
  protected ExecutionBackend backend() {
    return new LocalBackend(new LocalBackendConfig(ScriptedTrainer.command(), 1, Map.of()));
  }

  @Override
  protected boolean processesExist(String handle) {
    return !ProcessTable.group(ProcessTable.pidOf(handle)).isEmpty();
  }
}
