// A small SVG chart of a series (bars or a line), with a text summary for screen readers.

export interface SparkChartProps {
  readonly values: readonly number[];
  /** Accessible description, e.g. "Events per second, last 60 seconds". */
  readonly label: string;
  readonly kind?: 'bars' | 'line';
  readonly width?: number;
  readonly height?: number;
  readonly testId?: string;
}

export function SparkChart({ values, label, kind = 'line', width = 240, height = 48, testId }: SparkChartProps) {
  const max = Math.max(1, ...values);
  const n = Math.max(values.length, 2);
  const step = width / (kind === 'bars' ? n : n - 1);
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const last = values.at(-1) ?? 0;
  const summary = `${label}: latest ${formatNumber(last)}, peak ${formatNumber(Math.max(0, ...values))}`;
  return (
    <svg className={`spark spark-${kind}`} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={summary} data-testid={testId}>
      <title>{summary}</title>
      {kind === 'bars' ? (
        values.map((v, i) => <rect key={i} x={i * step + 0.5} y={y(v)} width={Math.max(1, step - 1)} height={height - 2 - y(v)} />)
      ) : (
        <>
          <path className="area" d={`M0,${height} ${values.map((v, i) => `L${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} L${((values.length - 1) * step).toFixed(1)},${height} Z`} />
          <path className="stroke" d={values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
        </>
      )}
    </svg>
  );
}

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function formatNumber(v: number): string {
  return Number.isFinite(v) ? fmt.format(v) : String(v);
}
