import { z } from 'zod';
import type { KindDef } from './kind-def.js';
import { subdomainProblem } from './names.js';

/**
 * authentication.k8s.io/v1's reviews: created and answered, never stored. A TokenReview says whom
 * a token authenticates (webhooks and proxies ask it); a SelfSubjectReview says who the caller is
 * (`kubectl auth whoami`).
 */
const reviewKind = (kind: string, plural: string, group = 'authentication.k8s.io', namespaced = false): KindDef => ({
  group,
  version: 'v1',
  kind,
  plural,
  singular: '',
  namespaced,
  shortNames: [],
  verbs: ['create'],
  schema: z.never(),
  nameProblem: subdomainProblem,
  virtual: true,
});

export const TOKEN_REVIEW = reviewKind('TokenReview', 'tokenreviews');
export const SELF_SUBJECT_REVIEW = reviewKind('SelfSubjectReview', 'selfsubjectreviews');
/** authorization.k8s.io/v1: whether the caller (`kubectl auth can-i`), or a user named, may do something. */
export const SELF_SUBJECT_ACCESS_REVIEW = reviewKind(
  'SelfSubjectAccessReview',
  'selfsubjectaccessreviews',
  'authorization.k8s.io',
);
export const SUBJECT_ACCESS_REVIEW = reviewKind('SubjectAccessReview', 'subjectaccessreviews', 'authorization.k8s.io');
export const SELF_SUBJECT_RULES_REVIEW = reviewKind(
  'SelfSubjectRulesReview',
  'selfsubjectrulesreviews',
  'authorization.k8s.io',
);
export const LOCAL_SUBJECT_ACCESS_REVIEW = reviewKind(
  'LocalSubjectAccessReview',
  'localsubjectaccessreviews',
  'authorization.k8s.io',
  true,
);
