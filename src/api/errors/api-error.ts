import { errorCatalog, type ErrorCode } from './catalog.js';

/** An error the API layer raises itself (authentication, parsing); services raise DomainError instead. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = errorCatalog[code].status;
  }
}

export interface ErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
}

/** HSS bodies are `{error_code, error_msg}`; gateway (APIGW) bodies also carry `request_id`, as Huawei's gateway does. */
export function errorBody(code: ErrorCode, message: string, requestId: string): ErrorBody {
  return code.startsWith('APIGW.') ? { error_code: code, error_msg: message, request_id: requestId } : { error_code: code, error_msg: message };
}
