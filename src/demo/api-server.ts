import {
  authorizeId,
  authorizePolicy,
  createHttpsAgent,
  createHttpsServer,
  jwtSvidAuth,
  jwtSvidFrom,
  mtlsClientOptions,
  tlsServerOptions,
  type AuthorizationPolicy,
} from '../tlsconfig/index.js';
import type { DatabaseAnswer } from './database.js';
import { closeServer, getJson, listen, sdkLogger, type Service } from './http.js';
import type { WorkloadIdentity } from './identity.js';
import type { EventLog } from './log.js';
import { workloadId } from './scenario.js';

/** What api-server answers the frontend: the database's answer and who called. */
export interface ApiAnswer {
  /** The SPIFFE ID of the caller's JWT-SVID. */
  caller: string;
  database: DatabaseAnswer;
}

/**
 * api-server: an HTTPS server presenting its X509-SVID (TLS), whose callers authenticate with a
 * JWT-SVID for its SPIFFE ID as audience, validated with the JWT bundles of its `JwtSource` and
 * authorized by `policy` (frontend). For each request it calls the database over mTLS with its
 * X509-SVID, on a new connection each time (no keep-alive), so rotations show on the wire.
 */
export async function startApiServer(
  identity: WorkloadIdentity,
  policy: AuthorizationPolicy,
  databaseUrl: string,
  log: EventLog,
): Promise<Service> {
  const databaseId = workloadId(identity.id.trustDomain, 'database');
  const toDatabase = createHttpsAgent(
    mtlsClientOptions(identity.x509, identity.x509, authorizeId(databaseId)),
  );
  const auth = jwtSvidAuth({
    audience: identity.id.toString(),
    bundleSource: identity.jwt!,
    authorizer: authorizePolicy(policy, identity.x509),
    logger: sdkLogger(log, 'api-server'),
  });
  const server = createHttpsServer(tlsServerOptions(identity.x509), (req, res) => {
    auth(req, res, () => {
      const caller = jwtSvidFrom(req)!.id.toString();
      getJson(`${databaseUrl}/orders`, toDatabase).then(
        (database) => {
          const answer: ApiAnswer = { caller, database: database as DatabaseAnswer };
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(answer));
        },
        (error: Error) => {
          log.event('api-server', `database call failed: ${error.message}`, 'error');
          res.statusCode = 502;
          res.end(`database call failed: ${error.message}\n`);
        },
      );
    });
  });
  const url = await listen(server);
  const admitted = policy[identity.id.toString()] ?? [];
  log.event(
    'api-server',
    `serving TLS on ${url}; callers need a JWT-SVID for ${identity.id.toString()}; its policy admits ${admitted.join(', ')} only`,
  );
  return {
    url,
    close: async () => {
      await closeServer(server);
      toDatabase.destroy();
    },
  };
}
