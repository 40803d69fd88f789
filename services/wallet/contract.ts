// Wallet's published events: none of its own. Money moves only in the ledger, whose events (ledger.entries-posted, ...) carry it.
import { defineContract } from '@millrace/platform';

export const contract = defineContract({ source: 'wallet', events: {} });
