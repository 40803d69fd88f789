// The account's id to share with a sender (peer-to-peer transfers are addressed to account ids), with a copy button.
import { useId, useState } from 'react';
import type { WalletAccount } from './wallet-api.ts';

export function ReceiveDetails({ account }: { account: WalletAccount }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const headingId = useId();
  const copy = () => {
    // the clipboard API needs a secure context; elsewhere the id stays selectable by hand
    if (!window.isSecureContext || !navigator.clipboard) return setCopied('no');
    navigator.clipboard.writeText(account.id).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    );
  };
  return (
    <section className="card receive" aria-labelledby={headingId}>
      <h2 id={headingId}>Receive {account.currency}</h2>
      <p className="muted small">Senders transfer to this account id.</p>
      <div className="copy-row">
        <code data-testid="account-id">{account.id}</code>
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="muted small" role="status">
        {copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Copying is not available here: select the id instead.' : ''}
      </p>
    </section>
  );
}
