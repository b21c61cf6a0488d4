import type { ImageStore, PullBehavior, PulledImage } from './images/image-store.js';
import type { ContainerSpec } from '../wire/index.js';

/** What a task's images need of the image store: a pull, and a look at what is cached. */
export type ImageSource = Pick<ImageStore, 'pull' | 'peek'>;

/** A pull that failed (its message is the puller's): the workload fails to start for its image. */
export class PullFailure extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message);
  }
}

/**
 * A task's images. Under the pull behaviours that ask the registry every time (`default`,
 * `always`), an image this host already has is known before the registry has answered, so the
 * task's containers can be created meanwhile; none starts until the pulls are done and have
 * confirmed what it was created from (`confirm`). A tag that moved gets its container made
 * again from the new image; a pull that failed fails the task as a pull failure, whatever was
 * created (under `default`, the pull itself falls back to the cached image, as ECS does).
 */
export class TaskImages {
  private readonly known = new Map<string, PulledImage>();
  private pulls: Promise<void> | undefined;
  private pull: (() => Promise<void>) | undefined;
  /** Whether containers are being created from cached resolutions the pulls have not yet confirmed. */
  private early = false;
  private confirmed = false;

  constructor(
    private readonly store: ImageSource,
    private readonly behavior: PullBehavior,
    /** The `Authorization` a workload's own registry credentials make for an image, if it has them. */
    private readonly authFor: (image: string) => string | undefined = () => undefined,
  ) {}

  /**
   * Starts the pulls; resolves once every image can be used: at once when this host has them
   * all cached and the pulls ask the registry, else when the pulls are done. `onPulled` runs
   * when the pulls are, with what they resolved (or why they failed).
   */
  async begin(images: string[], onPulled: (e?: unknown) => void): Promise<void> {
    this.pull = () =>
      (this.pulls ??= Promise.all(images.map((i) => this.store.pull(i, this.behavior, this.authFor(i)))).then(
        (got) => {
          images.forEach((i, n) => this.known.set(i, got[n] as PulledImage));
          this.confirmed = true;
          onPulled();
        },
        (e: unknown) => {
          onPulled(e);
          throw new PullFailure(e);
        },
      ));
    const asks = this.behavior === 'default' || this.behavior === 'always';
    const cached = asks ? await Promise.all(images.map((i) => this.store.peek(i))) : [];
    if (asks && cached.every((c) => c !== undefined)) {
      images.forEach((i, n) => this.known.set(i, cached[n] as PulledImage));
      // The pulls wait for `kick`: asked while a container is being created, the registry's
      // answer costs the task no time, and the work before creation does not wait behind it.
      this.early = true;
      return;
    }
    await this.pull();
  }

  /** Starts the pulls, if they have not started yet; never rejects (`confirm` does). */
  kick(): void {
    this.pull?.().catch(() => undefined);
  }

  /** The digest an image was pulled at, once the pulls are done. */
  digestOf(image: string): string | undefined {
    return this.early && !this.confirmed ? undefined : this.known.get(image)?.digest;
  }

  /** The image a container is made from: the pulled one, or (after a restart) the cached one. */
  async get(image: string): Promise<PulledImage> {
    return this.known.get(image) ?? (await this.store.pull(image, 'prefer-cached', this.authFor(image)));
  }

  /**
   * Before a container made from `used` starts: waits for the pulls, and says whether the image
   * is still `used` (false: the container must be made again from `get(image)`). Throws the
   * pull's failure.
   */
  async confirm(image: string, used: PulledImage): Promise<boolean> {
    if (!this.early) return true;
    await this.pull?.();
    return this.known.get(image)?.digest === used.digest;
  }
}

/**
 * The Basic `Authorization` an image is pulled with: the registry credentials of a container of
 * the workload that runs it and has some (its imageAuth, values sent by the control plane).
 */
export function imageAuthorization(containers: readonly ContainerSpec[], image: string): string | undefined {
  const a = containers.find((c) => c.image === image && c.imageAuth?.password !== undefined)?.imageAuth;
  return a ? `Basic ${Buffer.from(`${a.username ?? ''}:${a.password as string}`).toString('base64')}` : undefined;
}
