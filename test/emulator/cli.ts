// Runs the Feldera emulator standalone:
//   node out/test/emulator/cli.js [--port N] [--host H] [--auth KEY]... [--demo] [--profile-bytes N]
//        [--time-scale X] [--finishing-ms N]
// Prints `FELDERA_HOST=http://127.0.0.1:PORT` (and `FELDERA_API_KEY=...` with --auth) and runs until SIGINT/SIGTERM.
import { demoPipelines, FelderaEmulator, type EmulatorOptions } from './emulator';

interface CliArgs {
  port: number;
  host: string;
  apiKeys: string[];
  demo: boolean;
  profileBytes?: number;
  timeScale?: number;
  finishingMs?: number;
}

const USAGE =
  'usage: node out/test/emulator/cli.js [--port N] [--host H] [--auth KEY]... [--demo] [--profile-bytes N] ' +
  '[--time-scale X] [--finishing-ms N]';

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { port: 0, host: '127.0.0.1', apiKeys: [], demo: false };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < 0)
      throw new Error(`${flag} needs a number\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--port':
        args.port = num(a, argv[++i]);
        break;
      case '--host': {
        const v = argv[++i];
        if (!v) throw new Error(`--host needs a value\n${USAGE}`);
        args.host = v;
        break;
      }
      case '--auth': {
        const v = argv[++i];
        if (!v) throw new Error(`--auth needs a key\n${USAGE}`);
        args.apiKeys.push(v);
        break;
      }
      case '--demo':
        args.demo = true;
        break;
      case '--profile-bytes':
        args.profileBytes = num(a, argv[++i]);
        break;
      case '--time-scale':
        args.timeScale = num(a, argv[++i]);
        break;
      case '--finishing-ms':
        args.finishingMs = num(a, argv[++i]);
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const opts: EmulatorOptions = {
    pipelines: args.demo ? demoPipelines() : [],
    apiKeys: args.apiKeys,
    profileBytes: args.profileBytes,
    timeScale: args.timeScale,
    finishingMs: args.finishingMs ?? (args.demo ? 1500 : undefined),
  };
  const emulator = new FelderaEmulator(opts);
  const url = await emulator.start(args.port, args.host);
  console.log(`FELDERA_HOST=${url}`);
  if (args.apiKeys.length > 0) console.log(`FELDERA_API_KEY=${args.apiKeys[0]}`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (require.main === module) {
  void main();
}
