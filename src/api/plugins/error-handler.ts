import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { ApiError, errorBody } from '../errors/api-error.js';
import { codeForReason, errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { describeValidationError } from '../errors/validation-message.js';

function send(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message: string): FastifyReply {
  return reply.code(errorCatalog[code].status).type('application/json; charset=utf-8').send(errorBody(code, message, request.id));
}

/** Fastify's own client-side errors, by code, as HSS errors. */
function fromFastifyError(err: FastifyError, bodyLimit: number): { code: ErrorCode; message: string } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'HSS.0001', message: `body is not valid JSON: ${err.message}` };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'HSS.0001', message: `body exceeds the limit of ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'HSS.0002', message: 'Content-Type is not supported; send application/json' };
    default:
      break;
  }
  if (err instanceof SyntaxError) return { code: 'HSS.0001', message: `body is not valid JSON: ${err.message}` };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { code: 'HSS.0002', message: `The request could not be parsed: ${err.message}` };
  }
  return null;
}

/** One place turns every error into an HSS body; nothing a client sends yields a 500. */
export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) return send(reply, request, err.code, err.message);
    if (err instanceof DomainError) {
      return send(reply, request, codeForReason[err.reason], err.message);
    }
    if (err.validation) {
      const { message } = describeValidationError(err.validation, err.validationContext);
      return send(reply, request, 'HSS.0001', `Invalid parameter: ${message}`);
    }
    const known = fromFastifyError(err, bodyLimit);
    if (known) return send(reply, request, known.code, known.message);
    request.log.error({ err }, 'unexpected error');
    return send(reply, request, 'HSS.0041', `Internal error; quote request id ${request.id} when reporting it`);
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 'APIGW.0101', `The API does not exist or has not been published in the environment: ${request.method} ${request.url.split('?')[0]}`),
  );
}
