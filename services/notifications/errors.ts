// Notifications errors: stable codes, never reused; the kind decides the HTTP status at the edge.
export const notificationCodes = {
  validation: 'NOTIFICATIONS_VALIDATION',
  notFound: 'NOTIFICATIONS_NOT_FOUND',
  forbidden: 'NOTIFICATIONS_FORBIDDEN',
  unauthenticated: 'NOTIFICATIONS_AUTHENTICATION_REQUIRED',
} as const;
