/** A list's contacts counted by status. The contract puts `counts` on every list read (issue 14);
 * until the server sends them, the console tallies the list's pages itself, up to a cap. */
import { api } from "../api/client";
import type { MailingList, StatusCounts } from "../api/types";

const TALLY_CAP = 5000;

export type Counts = { counts: StatusCounts; partial: boolean };

export async function listCounts(list: MailingList): Promise<Counts> {
  if (list.counts) return { counts: list.counts, partial: false };
  const counts: StatusCounts = {};
  let cursor: string | null | undefined = undefined;
  let seen = 0;
  do {
    const page = await api.contacts(list.list_id, { cursor, limit: 500 });
    for (const contact of page.items) counts[contact.status] = (counts[contact.status] ?? 0) + 1;
    seen += page.items.length;
    cursor = page.next_cursor;
  } while (cursor && seen < TALLY_CAP);
  return { counts, partial: Boolean(cursor) };
}
