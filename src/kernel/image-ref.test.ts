import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseImageRef } from './image-ref.js';

it('parses image references with Docker’s defaults', () => {
  const cases: [string, [string, string, string]][] = [
    ['busybox', ['registry-1.docker.io', 'library/busybox', 'latest']],
    ['org/app:1.2', ['registry-1.docker.io', 'org/app', '1.2']],
    ['localhost:4566/web', ['localhost:4566', 'web', 'latest']],
    ['127.0.0.1:4566/team/web:v1', ['127.0.0.1:4566', 'team/web', 'v1']],
    [`r.example.com/web@sha256:${'a'.repeat(64)}`, ['r.example.com', 'web', `sha256:${'a'.repeat(64)}`]],
    ['host:5000/web:v2@sha256:ab', ['host:5000', 'web', 'sha256:ab']],
  ];
  for (const [image, [registry, repository, reference]] of cases)
    assert.deepEqual(parseImageRef(image), { registry, repository, reference }, image);
});
