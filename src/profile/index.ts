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
  readProfileText,
} from './reader';
export type { ModelResult, ReadOptions, ReadResult, ReadPhase, TextResult } from './reader';
