import type * as ecr from '@aws-sdk/client-ecr';
import {
  isDigest,
  signedLayerPath,
  startUpload,
  statBlob,
  now,
  type RegistryDeps,
  completeLayerUpload,
  uploadLayerPart,
  getRepository,
} from '../../registry/index.js';
import { BerthError } from '../../kernel/index.js';

type Out<T> = Omit<T, '$metadata'>;

const PART_SIZE = 10 * 1024 * 1024;

export const layerOps = (deps: RegistryDeps) => ({
  InitiateLayerUpload: async (i: ecr.InitiateLayerUploadRequest): Promise<Out<ecr.InitiateLayerUploadResponse>> => {
    getRepository(deps, i.repositoryName as string);
    const u = await startUpload(deps, i.repositoryName as string, true);
    return { uploadId: u.id, partSize: PART_SIZE };
  },

  UploadLayerPart: async (i: ecr.UploadLayerPartRequest): Promise<Out<ecr.UploadLayerPartResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const last = await uploadLayerPart(
      deps,
      repo.name,
      i.uploadId as string,
      i.partFirstByte as number,
      i.partLastByte as number,
      Buffer.from(i.layerPartBlob as Uint8Array),
    );
    return {
      registryId: repo.registryId,
      repositoryName: repo.name,
      uploadId: i.uploadId as string,
      lastByteReceived: last,
    };
  },

  CompleteLayerUpload: async (i: ecr.CompleteLayerUploadRequest): Promise<Out<ecr.CompleteLayerUploadResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const layerDigest = await completeLayerUpload(deps, repo.name, i.uploadId as string, i.layerDigests?.[0] as string);
    return { registryId: repo.registryId, repositoryName: repo.name, uploadId: i.uploadId as string, layerDigest };
  },

  BatchCheckLayerAvailability: async (
    i: ecr.BatchCheckLayerAvailabilityRequest,
  ): Promise<Out<ecr.BatchCheckLayerAvailabilityResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const layers: ecr.Layer[] = [];
    const failures: ecr.LayerFailure[] = [];
    for (const d of i.layerDigests ?? []) {
      if (!isDigest(d)) {
        failures.push({
          layerDigest: d,
          failureCode: 'InvalidLayerDigest',
          failureReason: `Invalid layer digest: ${d}`,
        });
        continue;
      }
      try {
        const { size } = await statBlob(deps, repo.name, d);
        layers.push({ layerDigest: d, layerAvailability: 'AVAILABLE', layerSize: size });
      } catch (e) {
        if (!(e instanceof BerthError) || e.kind !== 'NotFound') throw e;
        failures.push({
          layerDigest: d,
          failureCode: 'MissingLayerDigest',
          failureReason: 'Requested layer not found',
        });
      }
    }
    return { layers, failures };
  },

  GetDownloadUrlForLayer: async (
    i: ecr.GetDownloadUrlForLayerRequest,
  ): Promise<Out<ecr.GetDownloadUrlForLayerResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const digest = i.layerDigest as string;
    await statBlob(deps, repo.name, digest);
    const path = signedLayerPath(deps, repo.name, digest, now(deps) + 60 * 60 * 1000);
    return { downloadUrl: `http://${deps.registryHost}${path}`, layerDigest: digest };
  },
});
