// "Open with samply" starts samply itself with the profile's path as one argument: no shell reads the file name, so
// quotes, `&`, `;` or `$(...)` in it stay characters of the name, whatever shell the user has.
import assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { until, workspaceRoot } from '../support';

/** A file name a shell would split, expand or run, if one ever read it. */
const HOSTILE = `it's a "profile" & touch injected; $(touch injected) \`touch injected\` $HOME x.json.gz`;

const PROFILE_KEY = process.platform === 'darwin' ? 'osx' : 'linux';

/** A POSIX sh script: `printf` writes each of its arguments NUL-terminated into `out` (renamed in when complete). */
function recorderScript(out: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\nprintf '%s\\0' "$@" > ${q(`${out}.part`)} && mv ${q(`${out}.part`)} ${q(out)}\n`;
}

describe('Open with samply', function () {
  this.timeout(60_000);
  let dir: string;
  let savedPath: string | undefined;
  const terminal = () => vscode.workspace.getConfiguration('terminal.integrated');

  before(function () {
    // The stand-ins below are sh scripts; on Windows samply is an .exe started the same way (shellPath/shellArgs).
    if (process.platform === 'win32') this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-open-samply-'));
  });

  after(async () => {
    if (savedPath !== undefined) process.env.PATH = savedPath;
    for (const t of vscode.window.terminals) if (t.name.startsWith('samply: ')) t.dispose();
    if (dir) {
      await terminal().update(`defaultProfile.${PROFILE_KEY}`, undefined, vscode.ConfigurationTarget.Global);
      await terminal().update(`profiles.${PROFILE_KEY}`, undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs `samply load <file>` with the whole file name as one argument, not through the user’s shell', async () => {
    // samply, found on the PATH the extension host reads when the command runs: it records the arguments it gets.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const samply = path.join(bin, 'samply');
    const argvFile = path.join(dir, 'samply-argv');
    fs.writeFileSync(samply, recorderScript(argvFile), { mode: 0o755 });
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;

    // The user's shell is one this extension cannot know (cmd.exe, nushell…): here a "shell" that only keeps what
    // is typed into it. A command line sent to it would never reach samply.
    const shellInput = path.join(dir, 'shell-input');
    const shell = path.join(bin, 'unknown-shell');
    fs.writeFileSync(shell, `#!/bin/sh\nexec cat > '${shellInput}'\n`, { mode: 0o755 });
    await terminal().update(`profiles.${PROFILE_KEY}`, { unknown: { path: shell } }, vscode.ConfigurationTarget.Global);
    await terminal().update(`defaultProfile.${PROFILE_KEY}`, 'unknown', vscode.ConfigurationTarget.Global);

    const profiles = path.join(dir, 'profiles');
    fs.mkdirSync(profiles);
    const file = path.join(profiles, HOSTILE);
    fs.writeFileSync(file, 'not read by the stand-in');

    await vscode.commands.executeCommand('feldera.openWithSamply', vscode.Uri.file(file));

    await until('samply to be started', () => fs.existsSync(argvFile), 20_000);
    const argv = fs.readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
    assert.deepStrictEqual(argv, ['load', file]);
    for (const cwd of [profiles, workspaceRoot(), os.homedir()]) {
      assert.ok(!fs.existsSync(path.join(cwd, 'injected')), `a shell ran a piece of the file name in ${cwd}`);
    }
    const t = vscode.window.terminals.find((x) => x.name === `samply: ${HOSTILE}`);
    assert.ok(t, `no terminal named "samply: ${HOSTILE}"`);
  });
});
