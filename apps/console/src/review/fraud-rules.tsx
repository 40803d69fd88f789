// The fraud rules in force: each rule's current version, whether it is on, and its thresholds (changed through the API by admins).
import type { FraudRule } from './review-api.ts';
import type { Resource } from './use-resource.ts';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  velocity: 'holds a withdrawal when maxWithdrawals were made within windowSeconds',
  'large-amount': 'holds an amount over multiplier × the mean of the last history debits (once minHistory are known)',
  'new-counterparties': 'holds paying a new account when maxNew new ones were paid within windowSeconds',
  'credential-change': 'holds a withdrawal within windowSeconds of a credential change',
};

export function FraudRules({ rules }: { rules: Resource<FraudRule[]> }) {
  return (
    <section className="card" aria-labelledby="rules-h">
      <h2 id="rules-h">Fraud rules</h2>
      <p className="muted small">
        Read-only here. A change (<code>PUT /api/ledger/fraud-rules/:rule</code>, admins) adds a version; each hold names the version that fired.
      </p>
      {rules.error && (
        <p className="error" role="alert">
          Could not load the rules: {rules.error}
        </p>
      )}
      {rules.value && (
        <div className="table-wrap">
          <table data-testid="fraud-rules">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Thresholds</th>
              </tr>
            </thead>
            <tbody>
              {rules.value.map((r) => (
                <tr key={r.rule} data-testid="fraud-rule" data-rule={r.rule} data-version={r.version} data-enabled={String(r.enabled)}>
                  <th scope="row">
                    <span className="rule-tag">{r.rule}</span>
                    <span className="muted small rule-desc">{DESCRIPTIONS[r.rule] ?? ''}</span>
                  </th>
                  <td>v{r.version}</td>
                  <td>{r.enabled ? <span className="state state-posted">on</span> : <span className="state state-voided">off</span>}</td>
                  <td>
                    <ul className="params">
                      {Object.entries(r.params).map(([k, v]) => (
                        <li key={k}>
                          <code>{k}</code> {v}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
