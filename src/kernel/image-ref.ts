/**
 * A parsed image reference: `[registry/]repository[:tag][@digest]`, Docker's defaults applied.
 * The agent pulls by it; the control plane tells the images of berth's own registry by it.
 */
export interface ImageRef {
  registry: string;
  repository: string;
  /** A tag, or the digest when the reference pins one. */
  reference: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  // The first part is a registry host when it looks like one (has a dot or a port, or is localhost).
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  let tag = 'latest';
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  return { registry, repository: path, reference: digest ?? tag };
}
