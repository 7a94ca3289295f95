import { decodeInventory, encodeInventory } from '../repositories/inventory-codec.js';
import { inventoryHash, type InventoryDocument } from './protocol.js';

/**
 * The content_hash of a local image (protocol.ts): inventoryHash of the
 * inventory as the server stores it, i.e. reduced to the fields its codec
 * keeps (no layer digests). Both sides compute it the same way, so the
 * server can compare a reported hash with what it holds.
 */
export function imageContentHash(document: InventoryDocument): string {
  return inventoryHash(decodeInventory(encodeInventory(document)));
}
