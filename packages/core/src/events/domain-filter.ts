import type { Disposable } from "../common/disposable.js";

/**
 * What the event state needs from the DomainRegistry: identity lookups and the moment a
 * domain is defined. Kept narrow so events/ does not depend on the registry's internals.
 * @internal
 */
export interface DomainDirectory {
  get(uuid: string): { readonly uuid: string; readonly name: string } | undefined;
  findByName(name: string): { readonly uuid: string; readonly name: string } | undefined;
  onDidDefineDomain(
    listener: (domain: { readonly uuid: string; readonly name: string }) => void,
  ): Disposable;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The domain part of a registration. libvirt filters by uuid because names can change: a
 * name is resolved once, to the uuid of the domain that has it, and the filter stays bound to
 * that uuid. A name no domain has yet binds when a domain is first defined with it; until
 * then the filter matches nothing.
 * @internal
 */
export class DomainFilter implements Disposable {
  private uuid: string | undefined;
  private waiting: Disposable | undefined;

  constructor(directory: DomainDirectory, uuidOrName: string) {
    const known = directory.get(uuidOrName) ?? directory.findByName(uuidOrName);
    if (known) {
      this.uuid = known.uuid;
    } else if (UUID_PATTERN.test(uuidOrName)) {
      this.uuid = uuidOrName.toLowerCase();
    } else {
      this.waiting = directory.onDidDefineDomain((domain) => {
        if (this.uuid !== undefined || domain.name !== uuidOrName) return;
        this.uuid = domain.uuid;
        this.stopWaiting();
      });
    }
  }

  /** True when events of `domainUuid` pass the filter. */
  matches(domainUuid: string): boolean {
    return this.uuid !== undefined && this.uuid === domainUuid;
  }

  /** The uuid the filter is bound to, once known. */
  get boundUuid(): string | undefined {
    return this.uuid;
  }

  dispose(): void {
    this.stopWaiting();
  }

  private stopWaiting(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.dispose();
  }
}
