import type * as ecr from '@aws-sdk/client-ecr';
import type { BerthError, ErrorReason } from '../../kernel/index.js';

const notFoundCodes: Record<string, string> = {
  repository: 'RepositoryNotFoundException',
  manifest: 'ImageNotFoundException',
  blob: 'LayersNotFoundException',
  upload: 'UploadNotFoundException',
  policy: 'RepositoryPolicyNotFoundException',
  'lifecycle-policy': 'LifecyclePolicyNotFoundException',
  'lifecycle-preview': 'LifecyclePolicyPreviewNotFoundException',
};

/** ECR's exception names for the registry's reasons. */
const byReason: Partial<Record<ErrorReason, string>> = {
  'layer-exists': 'LayerAlreadyExistsException',
  'not-empty': 'RepositoryNotEmptyException',
  'layer-part-invalid': 'InvalidLayerPartException',
  'layer-invalid': 'InvalidLayerException',
  'upload-empty': 'EmptyUploadException',
  'manifest-blob-unknown': 'LayersNotFoundException',
  'digest-invalid': 'ImageDigestDoesNotMatchException',
  'too-many-tags': 'TooManyTagsException',
};

/** ECR's own exception names for the registry domain's errors: by reason, else by kind and resource. */
export function ecrErrorCode(e: BerthError): string | undefined {
  const known = e.kind !== 'NotFound' && e.detail.reason ? byReason[e.detail.reason] : undefined;
  if (known) return known;
  switch (e.kind) {
    case 'NotFound':
      return notFoundCodes[e.detail.resource ?? ''];
    case 'AlreadyExists':
      return e.detail.resource === 'image' ? 'ImageAlreadyExistsException' : 'RepositoryAlreadyExistsException';
    case 'Conflict':
      if (e.detail.resource === 'tag') return 'ImageTagAlreadyExistsException';
      if (e.detail.resource === 'lifecycle-preview') return 'LifecyclePolicyPreviewInProgressException';
      return 'InvalidParameterException';
    case 'InvalidParameter':
      return 'InvalidParameterException';
    case 'LimitExceeded':
      return 'LimitExceededException';
    default:
      return undefined;
  }
}

/** The failure code BatchGetImage and BatchDeleteImage give an image id that finds no image. */
export function imageFailureCode(reason: ErrorReason | undefined): ecr.ImageFailureCode {
  switch (reason) {
    case 'digest-tag-missing':
      return 'MissingDigestAndTag';
    case 'digest-invalid':
      return 'InvalidImageDigest';
    case 'digest-tag-mismatch':
      return 'ImageTagDoesNotMatchDigest';
    case 'referenced-by-index':
      return 'ImageReferencedByManifestList';
    default:
      return 'ImageNotFound';
  }
}
