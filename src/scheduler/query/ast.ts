/** The cluster query language as a tree: comparisons joined by and/or/not. */
export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'exists' | '!exists' | 'in' | '!in' | '=~' | '!~';

export type Expr =
  | { kind: 'compare'; subject: string; op: Operator; values: string[] }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr };

/** What an expression is evaluated against: one container instance. */
export interface QueryTarget {
  attributes: Readonly<Record<string, string | undefined>>;
  taskGroups: Readonly<Record<string, number>>;
  ec2InstanceId?: string;
  agentConnected: boolean;
  agentVersion?: string;
  registeredAt: number;
  runningTasksCount: number;
}

/** Whether any comparison in an expression is about a subject `test` accepts. */
export function anySubject(e: Expr, test: (subject: string) => boolean): boolean {
  if (e.kind === 'compare') return test(e.subject);
  if (e.kind === 'not') return anySubject(e.expr, test);
  return anySubject(e.left, test) || anySubject(e.right, test);
}
