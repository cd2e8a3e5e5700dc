/**
 * `serve` with `workers` > 1 (src/server/cluster/README.md): the primary process (fork, restart, relay,
 * watch other writers, signals, pid file, the banner once) and each worker (a whole server on a shared
 * listener, coordinated through the primary). Composition only; the parts live in src/server/cluster
 * and src/bus.
 */
import cluster from 'node:cluster';
import type { Config } from '../config/types.js';
import { ClusterPrimary, WorkerStartError } from '../server/cluster/primary.js';
import { primaryChannel, reportStartFailure } from '../server/cluster/worker-channel.js';
import { createRootLogger } from '../server/logging.js';
import { ChangeLog } from '../store/sqlite/change-log.js';
import { openDatabase } from '../store/sqlite/database.js';
import { startupBanner } from './banner.js';
import { CliError, describeError, exitCodeFor } from './exit.js';
import { explainListenError } from './listen-problem.js';
import type { DataPaths } from './paths.js';
import { withPidFile } from './pid-file.js';
import { loadCliConfig, startConfiguredServer } from './runtime.js';

export const isClusterWorker = (): boolean => cluster.isWorker;

/** The primary: runs until SIGTERM/SIGINT has stopped every worker; returns the exit code. */
export async function runClusterPrimary(paths: DataPaths, config: Config): Promise<number> {
  const log = createRootLogger(config.log).child({ process: 'primary' });
  const primary = new ClusterPrimary({ workers: config.workers, log });
  // Opening the database migrates it once, before any worker does; then the primary watches
  // change_log for writers outside the cluster (`postyard deliver`, the CLI) for every worker.
  const db = config.store.backend === 'sqlite' ? openDatabase(config.dataDir) : null;
  const changeLog = db ? new ChangeLog(db, { publish: (change) => primary.externalChange(change) }) : null;
  changeLog?.start();
  const closeDatabase = () => {
    changeLog?.stop();
    db?.close();
  };
  let ports: Record<string, number>;
  try {
    ports = await primary.start();
  } catch (err) {
    closeDatabase();
    if (err instanceof WorkerStartError) {
      if (err.reason) throw new CliError(err.reason, err.exitCode || 1);
      return err.exitCode || 1;
    }
    throw err;
  }
  return withPidFile(config.dataDir, async () => {
    console.log(startupBanner(paths, config, ports));
    log.info({ workers: config.workers, pids: primary.workerPids() }, 'workers started');
    const code = await new Promise<number>((resolve) => {
      let stopping = false;
      const onTerminate = (signal: NodeJS.Signals) => {
        if (stopping) {
          log.warn({ signal }, 'second signal: exiting now');
          resolve(1);
          return;
        }
        stopping = true;
        log.info({ signal }, 'stopping workers');
        void primary.stop().then(() => resolve(0));
      };
      process.on('SIGTERM', onTerminate);
      process.on('SIGINT', onTerminate);
      process.on('SIGHUP', () => primary.reload());
    });
    closeDatabase();
    log.info('stopped');
    return code;
  });
}

/** A worker: a whole server whose bus and coordinator go through the primary; returns the exit code. */
export async function runClusterWorker(paths: DataPaths): Promise<number> {
  const config = await loadCliConfig(paths);
  const workerId = cluster.worker?.id ?? 0;
  const log = createRootLogger(config.log).child({ worker: workerId });
  const channel = primaryChannel();
  const { installSignalHandlers } = await import('../server/server.js');
  let server: Awaited<ReturnType<typeof startConfiguredServer>>;
  try {
    server = await startConfiguredServer(config, { log, clusterChannel: channel });
  } catch (err) {
    // Every worker fails the same way: the primary prints the reason once (runClusterPrimary).
    const explained = explainListenError(err, paths.configFile);
    const code = exitCodeFor(explained);
    await reportStartFailure(describeError(explained), code);
    return code;
  }
  channel.send({ postyard: 1, kind: 'ready', ports: server.ports });
  return new Promise<number>((resolve) => {
    installSignalHandlers(server, {
      exit: resolve,
      reloadConfig: () => loadCliConfig(paths),
      clusterWorker: true,
    });
  });
}
