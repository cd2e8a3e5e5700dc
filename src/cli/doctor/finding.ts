/** One line of the doctor's report. `fail` findings make `doctor` exit non-zero. */
export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  area: 'config' | 'port' | 'cert' | 'store' | 'queue' | 'dns';
  severity: Severity;
  message: string;
}

export const ok = (area: Finding['area'], message: string): Finding => ({ area, severity: 'ok', message });
export const warn = (area: Finding['area'], message: string): Finding => ({
  area,
  severity: 'warn',
  message,
});
export const fail = (area: Finding['area'], message: string): Finding => ({
  area,
  severity: 'fail',
  message,
});
