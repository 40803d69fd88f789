// Long ids (uuids, ledger system accounts) shortened for display; the full id goes in a title or a copy button.

/**
 * The end of a long id (enough to tell ids apart at a glance); a system account reads as its role.
 * @example shortId('sys:cash-out:EUR') // 'cash-out'
 */
export function shortId(id: string): string {
  const sys = /^sys:([a-z-]+):/.exec(id);
  if (sys) return sys[1]!;
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}
