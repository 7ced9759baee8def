/**
 * midtrans-client 1.4 ships no types. This declares the parts Lunas and its tests use.
 * See docs/midtrans.md ("Get Status").
 */
declare module 'midtrans-client' {
  export interface ClientOptions {
    isProduction?: boolean;
    serverKey: string;
    clientKey?: string;
  }
  export interface ApiConfig {
    isProduction: boolean;
    serverKey: string;
    clientKey: string;
    getCoreApiBaseUrl(): string;
    getSnapApiBaseUrl(): string;
  }
  export interface HttpClient {
    http_client: {
      defaults: { timeout?: number; headers: { common: Record<string, string> } };
    };
  }
  export type MidtransResponse = Record<string, unknown>;
  export interface Transaction {
    status(id: string): Promise<MidtransResponse>;
    statusb2b(id: string): Promise<MidtransResponse>;
    approve(id: string): Promise<MidtransResponse>;
    deny(id: string): Promise<MidtransResponse>;
    cancel(id: string): Promise<MidtransResponse>;
    expire(id: string): Promise<MidtransResponse>;
    refund(id: string, body?: Record<string, unknown>): Promise<MidtransResponse>;
    notification(body: string | Record<string, unknown>): Promise<MidtransResponse>;
  }
  export class CoreApi {
    constructor(options: ClientOptions);
    apiConfig: ApiConfig;
    httpClient: HttpClient;
    transaction: Transaction;
    charge(body: Record<string, unknown>): Promise<MidtransResponse>;
    capture(body: Record<string, unknown>): Promise<MidtransResponse>;
  }
  export class Snap {
    constructor(options: ClientOptions);
    apiConfig: ApiConfig;
    httpClient: HttpClient;
    transaction: Transaction;
    createTransaction(body: Record<string, unknown>): Promise<{ token: string; redirect_url: string }>;
    createTransactionToken(body: Record<string, unknown>): Promise<string>;
    createTransactionRedirectUrl(body: Record<string, unknown>): Promise<string>;
  }
  export class MidtransError extends Error {
    httpStatusCode: number | string | null;
    ApiResponse: unknown;
    rawHttpClientData: unknown;
  }
  const midtransClient: {
    CoreApi: typeof CoreApi;
    Snap: typeof Snap;
    MidtransError: typeof MidtransError;
  };
  export default midtransClient;
}
