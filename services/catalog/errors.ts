// Catalog errors: stable codes, never reused; the kind decides the HTTP status at the edge.
export const catalogCodes = {
  validation: 'CATALOG_VALIDATION',
  stockBelowReserved: 'CATALOG_STOCK_BELOW_RESERVED',
  productReserved: 'CATALOG_PRODUCT_HAS_RESERVATIONS',
  reservationNotFound: 'CATALOG_RESERVATION_NOT_FOUND',
  forbidden: 'CATALOG_FORBIDDEN',
  unauthenticated: 'CATALOG_AUTHENTICATION_REQUIRED',
} as const;
