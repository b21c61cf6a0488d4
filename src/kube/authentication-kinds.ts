import { z } from 'zod';
import type { KindDef } from './kind-def.js';
import { subdomainProblem } from './names.js';

/**
 * authentication.k8s.io/v1's reviews: created and answered, never stored. A TokenReview says whom
 * a token authenticates (webhooks and proxies ask it); a SelfSubjectReview says who the caller is
 * (`kubectl auth whoami`).
 */
const reviewKind = (kind: string, plural: string): KindDef => ({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind,
  plural,
  singular: '',
  namespaced: false,
  shortNames: [],
  verbs: ['create'],
  schema: z.never(),
  nameProblem: subdomainProblem,
  virtual: true,
});

export const TOKEN_REVIEW = reviewKind('TokenReview', 'tokenreviews');
export const SELF_SUBJECT_REVIEW = reviewKind('SelfSubjectReview', 'selfsubjectreviews');
