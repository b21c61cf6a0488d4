import type * as acm from '@aws-sdk/client-acm';
import {
  deleteCertificate,
  getCertificate,
  importCertificate,
  listCertificates,
  type CertificateRecord,
  type IamDeps,
} from '../../iam/index.js';
import type { BerthError } from '../../kernel/index.js';
import { paginate } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

/** ACM's codes for the domain's errors. */
function errorCode(e: BerthError): string | undefined {
  if (e.kind === 'NotFound') return 'ResourceNotFoundException';
  if (e.detail.reason === 'in-use') return 'ResourceInUseException';
  if (e.kind === 'InvalidParameter') return 'ValidationException';
  return undefined;
}

const text = (b: Uint8Array | string | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

function detail(c: CertificateRecord, inUseBy: string[]): acm.CertificateDetail {
  return {
    CertificateArn: c.arn,
    DomainName: c.domainName,
    SubjectAlternativeNames: c.subjectAlternativeNames,
    Serial: c.serial,
    Subject: c.subject,
    Issuer: c.issuer,
    CreatedAt: new Date(c.createdAt),
    ImportedAt: new Date(c.importedAt),
    Status: c.notAfter < Date.now() ? 'EXPIRED' : 'ISSUED',
    NotBefore: new Date(c.notBefore),
    NotAfter: new Date(c.notAfter),
    KeyAlgorithm: c.keyAlgorithm as acm.KeyAlgorithm,
    InUseBy: inUseBy,
    Type: 'IMPORTED',
    RenewalEligibility: 'INELIGIBLE',
  };
}

/**
 * AWS Certificate Manager, for what load balancers need of it: imported certificates (PEM, the
 * private key sealed at rest). Requested (issued) certificates answer NotImplemented.
 */
export function acmService(deps: IamDeps, inUseBy: (arn: string) => string[] = () => []): AwsService {
  return defineService('acm', {
    errorCode,
    handlers: {
      async ImportCertificate(i: acm.ImportCertificateRequest): Promise<Out<acm.ImportCertificateResponse>> {
        const c = await importCertificate(deps, {
          ...(i.CertificateArn ? { CertificateArn: i.CertificateArn } : {}),
          Certificate: text(i.Certificate) ?? '',
          PrivateKey: text(i.PrivateKey) ?? '',
          ...(i.CertificateChain ? { CertificateChain: text(i.CertificateChain) as string } : {}),
          ...(i.Tags
            ? {
                Tags: i.Tags.map((t) => ({
                  Key: t.Key as string,
                  ...(t.Value !== undefined ? { Value: t.Value } : {}),
                })),
              }
            : {}),
        });
        return { CertificateArn: c.arn };
      },
      async DescribeCertificate(i: acm.DescribeCertificateRequest): Promise<Out<acm.DescribeCertificateResponse>> {
        const c = getCertificate(deps, i.CertificateArn as string);
        return { Certificate: detail(c, inUseBy(c.arn)) };
      },
      async GetCertificate(i: acm.GetCertificateRequest): Promise<Out<acm.GetCertificateResponse>> {
        const c = getCertificate(deps, i.CertificateArn as string);
        return { Certificate: c.certificate, ...(c.chain ? { CertificateChain: c.chain } : {}) };
      },
      async ListCertificates(i: acm.ListCertificatesRequest): Promise<Out<acm.ListCertificatesResponse>> {
        const { page, nextToken } = paginate(listCertificates(deps), (c) => c.arn, i.MaxItems, i.NextToken, 1000);
        return {
          CertificateSummaryList: page.map((c) => ({
            CertificateArn: c.arn,
            DomainName: c.domainName,
            Type: 'IMPORTED',
            Status: 'ISSUED',
            InUse: inUseBy(c.arn).length > 0,
            KeyAlgorithm: c.keyAlgorithm as acm.KeyAlgorithm,
            NotAfter: new Date(c.notAfter),
          })),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async DeleteCertificate(i: acm.DeleteCertificateRequest) {
        await deleteCertificate(deps, i.CertificateArn as string, inUseBy);
        return {};
      },
      async ListTagsForCertificate(
        i: acm.ListTagsForCertificateRequest,
      ): Promise<Out<acm.ListTagsForCertificateResponse>> {
        return { Tags: getCertificate(deps, i.CertificateArn as string).tags };
      },
    },
  });
}
