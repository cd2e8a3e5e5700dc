/**
 * `postyard start` / `postyard serve`: runs the server in the foreground. On an empty data directory
 * it first does what `init` does, so `npm install && npm start` is a working first run.
 * The CLI is the composition root: it opens the store backend and hands it to the server.
 */
import { startupBanner } from './banner.js';
import { isClusterWorker, runClusterPrimary, runClusterWorker } from './cluster.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX } from './exit.js';
import { printSetup } from './init.js';
import { explainListenError } from './listen-problem.js';
import { configExists, resolvePaths } from './paths.js';
import { runningServerPid, withPidFile } from './pid-file.js';
import { loadCliConfig, startConfiguredServer } from './runtime.js';
import { SETUP_HELP, SETUP_OPTIONS, setUp } from './setup.js';

function serverCommand(name: 'start' | 'serve'): Command {
  return {
    name,
    summary:
      name === 'start'
        ? 'run the server (sets up ./data on the first run)'
        : 'same as start (for service managers)',
    usage: `${name} [--data DIR] [--config FILE]`,
    help: `Runs every listener in the foreground until SIGTERM/SIGINT (graceful: sessions get a goodbye,
in-flight deliveries finish, exit 0). SIGHUP reloads the config and the TLS certificate.
If the data directory has no config yet, it is set up first exactly like \`postyard init\`; the
set-up options below apply only then.

${DATA_HELP}
${SETUP_HELP}

Examples:
  npm start
  postyard ${name} --data /var/lib/postyard`,
    run: (args) => runServer(name, args),
  };
}

export const start = serverCommand('start');
export const serve = serverCommand('serve');

async function runServer(name: string, args: string[]): Promise<number> {
  const { values } = parseCommandArgs({ name, usage: start.usage }, args, {
    ...DATA_OPTIONS,
    ...SETUP_OPTIONS,
  });
  const paths = resolvePaths(values);
  // A worker forked by the primary below: set-up, the pid file and the banner are the primary's.
  if (isClusterWorker()) return runClusterWorker(paths);
  if (!configExists(paths)) {
    if (paths.explicitConfig) throw new CliError(`config file ${paths.configFile} does not exist`, EX.CONFIG);
    console.log(`First run: setting up ${paths.dataDir}`);
    printSetup(paths, await setUp(paths, { ...values, ports: values.port }));
    console.log('');
  } else if (values.hostname || values.bind || values.port) {
    console.error(
      `postyard: ${name}: --hostname/--bind/--port apply only to a first run; edit ${paths.configFile}`,
    );
  }
  const config = await loadCliConfig(paths);
  const other = runningServerPid(config.dataDir);
  if (other !== null && other !== process.pid) {
    throw new CliError(`a server is already running on ${config.dataDir} (pid ${other})`, EX.UNAVAILABLE);
  }
  if (config.workers > 1) return runClusterPrimary(paths, config);
  const { installSignalHandlers } = await import('../server/server.js');
  const server = await startConfiguredServer(config).catch((err: unknown) => {
    throw explainListenError(err, paths.configFile);
  });
  return withPidFile(config.dataDir, async () => {
    console.log(startupBanner(paths, config, server.ports));
    return new Promise<number>((resolve) => {
      installSignalHandlers(server, { exit: resolve, reloadConfig: () => loadCliConfig(paths) });
    });
  });
}
