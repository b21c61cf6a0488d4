import { meta, type Message } from './protobuf-messages.js';

/** authentication, authorization and rbac.authorization messages, as kubectl and client-go send them. */
const strings = (name: string) => ({ name, type: 'string' as const, repeated: true });
const POLICY_RULE: Message = {
  1: strings('verbs'),
  2: strings('apiGroups'),
  3: strings('resources'),
  4: strings('resourceNames'),
  5: strings('nonResourceURLs'),
};
const BINDING: Message = {
  ...meta,
  2: {
    name: 'subjects',
    repeated: true,
    type: {
      msg: {
        1: { name: 'kind', type: 'string' },
        2: { name: 'apiGroup', type: 'string' },
        3: { name: 'name', type: 'string' },
        4: { name: 'namespace', type: 'string' },
      },
    },
  },
  3: {
    name: 'roleRef',
    type: {
      msg: {
        1: { name: 'apiGroup', type: 'string' },
        2: { name: 'kind', type: 'string' },
        3: { name: 'name', type: 'string' },
      },
    },
  },
};
const RESOURCE_ATTRIBUTES: Message = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};
const NON_RESOURCE_ATTRIBUTES: Message = { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } };
// The status a client sends (empty) is the server's to write: read and dropped.
const ACCESS_STATUS: Message = {
  1: { name: 'allowed', type: 'bool' },
  2: { name: 'reason', type: 'string' },
  3: { name: 'evaluationError', type: 'string' },
  4: { name: 'denied', type: 'bool' },
};

export const AUTH_KINDS: Readonly<Record<string, Message>> = {
  // kubectl create token (and the reviews a client-go program creates).
  'authentication.k8s.io/v1/TokenRequest': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'audiences', type: 'string', repeated: true },
          3: {
            name: 'boundObjectRef',
            type: {
              msg: {
                1: { name: 'kind', type: 'string' },
                2: { name: 'apiVersion', type: 'string' },
                3: { name: 'name', type: 'string' },
                4: { name: 'uid', type: 'string' },
              },
            },
          },
          4: { name: 'expirationSeconds', type: 'int' },
        },
      },
    },
    // What a client sends as the status (empty) is the server's to write: read and dropped.
    3: {
      name: 'status',
      type: { msg: { 1: { name: 'token', type: 'string' }, 2: { name: 'expirationTimestamp', type: 'time' } } },
    },
  },
  'authentication.k8s.io/v1/TokenReview': {
    ...meta,
    2: {
      name: 'spec',
      type: { msg: { 1: { name: 'token', type: 'string' }, 2: { name: 'audiences', type: 'string', repeated: true } } },
    },
    3: {
      name: 'status',
      type: { msg: { 1: { name: 'authenticated', type: 'bool' }, 3: { name: 'error', type: 'string' } } },
    },
  },
  'authentication.k8s.io/v1/SelfSubjectReview': {
    ...meta,
    2: {
      name: 'status',
      type: {
        msg: {
          1: {
            name: 'userInfo',
            type: {
              msg: {
                1: { name: 'username', type: 'string' },
                2: { name: 'uid', type: 'string' },
                3: { name: 'groups', type: 'string', repeated: true },
              },
            },
          },
        },
      },
    },
  },
  'rbac.authorization.k8s.io/v1/Role': { ...meta, 2: { name: 'rules', type: { msg: POLICY_RULE }, repeated: true } },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    ...meta,
    2: { name: 'rules', type: { msg: POLICY_RULE }, repeated: true },
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': BINDING,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'resourceAttributes', type: { msg: RESOURCE_ATTRIBUTES } },
          2: { name: 'nonResourceAttributes', type: { msg: NON_RESOURCE_ATTRIBUTES } },
        },
      },
    },
    3: { name: 'status', type: { msg: ACCESS_STATUS } },
  },
  'authorization.k8s.io/v1/SelfSubjectRulesReview': {
    ...meta,
    2: { name: 'spec', type: { msg: { 1: { name: 'namespace', type: 'string' } } } },
    3: {
      name: 'status',
      type: { msg: { 3: { name: 'incomplete', type: 'bool' }, 4: { name: 'evaluationError', type: 'string' } } },
    },
  },
};
