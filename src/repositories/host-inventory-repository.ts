import type { Kysely } from 'kysely';
import type { InventoryDocument } from '../agent/protocol.js';
import { decodeInventory, decodeInventoryRows, encodeInventory, type Row } from './inventory-codec.js';
import type { DB } from '../db/schema.js';

/** A stored inventory with its packages as stored rows (inventory-codec.ts). */
export interface StoredInventoryRows {
  hostId: string;
  contentHash: string;
  os: InventoryDocument['os'];
  rows: Row[];
}

export interface StoredInventory extends InventoryDocument {
  hostId: string;
  contentHash: string;
  collectedAt: number;
  uploadedAt: number;
  warnings: string[];
}

/** The last inventory each host reported, stored whole (see inventory-codec.ts): it is always read and written as one. */
export class HostInventoryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Replaces the host's inventory and records its hash on the host, atomically. */
  async save(projectId: string, inventory: StoredInventory): Promise<void> {
    const document = encodeInventory(inventory);
    const values = {
      project_id: projectId,
      content_hash: inventory.contentHash,
      package_count: inventory.packages.length,
      document,
      warnings: JSON.stringify(inventory.warnings),
      collected_at: inventory.collectedAt,
      uploaded_at: inventory.uploadedAt,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('host_inventories')
        .values({ host_id: inventory.hostId, ...values })
        .onConflict((oc) => oc.column('host_id').doUpdateSet(values))
        .execute();
      await tx
        .updateTable('hosts')
        .set({ inventory_hash: inventory.contentHash, inventory_at: inventory.uploadedAt, last_seen_at: inventory.uploadedAt })
        .where('id', '=', inventory.hostId)
        .execute();
    });
  }

  /** The agent re-sent an unchanged inventory: only its freshness moves. */
  async markFresh(hostId: string, collectedAt: number, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('host_inventories').set({ collected_at: collectedAt, uploaded_at: now }).where('host_id', '=', hostId).execute();
      await tx.updateTable('hosts').set({ inventory_at: now, last_seen_at: now }).where('id', '=', hostId).execute();
    });
  }

  /** Like load, with the packages left as stored rows. */
  async loadRows(hostIds: string[]): Promise<StoredInventoryRows[]> {
    if (hostIds.length === 0) return [];
    const rows = await this.db.selectFrom('host_inventories').select(['host_id', 'content_hash', 'document']).where('host_id', 'in', hostIds).execute();
    return rows.map((r) => ({ hostId: r.host_id, contentHash: r.content_hash, ...decodeInventoryRows(r.document) }));
  }

  async load(hostIds: string[]): Promise<StoredInventory[]> {
    if (hostIds.length === 0) return [];
    const rows = await this.db.selectFrom('host_inventories').selectAll().where('host_id', 'in', hostIds).execute();
    return rows.map((r) => {
      const document = decodeInventory(r.document);
      return {
        hostId: r.host_id,
        contentHash: r.content_hash,
        collectedAt: Number(r.collected_at),
        uploadedAt: Number(r.uploaded_at),
        warnings: JSON.parse(r.warnings) as string[],
        os: document.os,
        packages: document.packages,
      };
    });
  }
}
