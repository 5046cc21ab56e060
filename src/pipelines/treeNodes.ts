// What the Pipelines tree is made of. Commands receive these as their argument when run from the tree.
import type { ServerEntry } from '../servers/serverRegistry';

export type TreeNode = ServerNode | PipelineNode | HostNode | MessageNode;

export interface ServerNode {
  kind: 'server';
  id: string;
  server: ServerEntry;
}

export interface PipelineNode {
  kind: 'pipeline';
  id: string;
  server: ServerEntry;
  name: string;
}

export interface HostNode {
  kind: 'host';
  id: string;
  server: ServerEntry;
  pipeline: string;
  ordinal: number;
}

export interface MessageNode {
  kind: 'message';
  id: string;
  server?: ServerEntry;
  /** Set when the message stands among a pipeline's children (its hosts), not a server's. */
  pipeline?: string;
  label: string;
  detail?: string;
  icon: string;
  color?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  contextValue?: string;
}

export function isTreeNode(x: unknown): x is TreeNode {
  return (
    !!x && typeof x === 'object' && typeof (x as TreeNode).kind === 'string' && typeof (x as TreeNode).id === 'string'
  );
}
