// The vscode-free profile core: read a samply profile, summarise it per thread selection.
export * from './types';
export {
  ProfileModel,
  ProfileFormatError,
  buildProfileModel,
  buildProfileModelAsync,
  summarizeProfile,
  checkProfileVersion,
} from './model';
export {
  readProfileFile,
  readProfileBytes,
  readProfileModel,
  readProfileModelFromBytes,
  readProfileModelFromStream,
} from './reader';
export type { ModelResult, ReadOptions, ReadResult, ReadPhase } from './reader';
export { defaultMemoryBudget, memoryBudgetFromSetting } from './memory';
