/** The Workload API RPCs the fake agent serves, by their wire names (`/SpiffeWorkloadAPI/<name>`). */
export type WorkloadApiMethod =
  | 'FetchX509SVID'
  | 'FetchX509Bundles'
  | 'FetchJWTSVID'
  | 'FetchJWTBundles'
  | 'ValidateJWTSVID'
  | 'FetchWITSVID'
  | 'FetchWITBundles';

/** Every method, in the order of the proto. */
export const WORKLOAD_API_METHODS: readonly WorkloadApiMethod[] = Object.freeze([
  'FetchX509SVID',
  'FetchX509Bundles',
  'FetchJWTSVID',
  'FetchJWTBundles',
  'ValidateJWTSVID',
  'FetchWITSVID',
  'FetchWITBundles',
]);

/** Whether `value` names a Workload API method. */
export function isWorkloadApiMethod(value: unknown): value is WorkloadApiMethod {
  return typeof value === 'string' && (WORKLOAD_API_METHODS as readonly string[]).includes(value);
}
