// What the walkthrough (package.json contributes.walkthroughs) completes its steps on, when no command or view says it
// by itself: "Collect a samply profile" is done once a profile was saved, not merely when the command ran.
import vscode = require('vscode');

/** The context key of the "Collect a samply profile" step's completion event. */
export const PROFILE_SAVED_CONTEXT = 'feldera.walkthrough.profileSaved';

/** Passes a fetch or collect command's result through, noting a saved profile for the walkthrough. */
export async function noteSavedProfiles<T>(result: Promise<T>): Promise<T> {
  const saved = await result;
  if (Array.isArray(saved) && saved.length > 0) {
    await vscode.commands.executeCommand('setContext', PROFILE_SAVED_CONTEXT, true);
  }
  return saved;
}
