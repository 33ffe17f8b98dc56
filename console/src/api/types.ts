/**
 * The shapes the console reads and sends: generated from docs/openapi.json (schema.d.ts, `npm run
 * types`) where the document has them, written from DESIGN.md section 4 where it does not yet.
 */
import type { components } from "./schema";

type S = components["schemas"];

export type Tokens = S["Tokens"];
export type NewAccount = S["NewAccount"];
export type Profile = S["ProfileOut"];
export type ProfilePatch = S["ProfilePatch"];
export type Closure = S["Closure"];
export type Notification = S["Notification"];
export type ContactStatus = S["ContactStatus"];
export type Contact = S["ContactOut"];
export type ContactIn = S["ContactIn"];
export type ContactPatch = S["ContactPatch"];
export type ContactPage = S["ContactPage"];
export type ImportResult = S["ImportResult"];
export type RejectedRow = S["RejectedRow"];
export type ListIn = S["ListIn"];
export type ListPatch = S["ListPatch"];
export type CampaignCreate = S["CampaignCreate"];
export type CampaignPatch = S["CampaignPatch"];
export type CampaignStats = S["CampaignStats"];
export type Failure = S["Failure"];
export type Problem = S["Problem"];
export type FieldError = S["FieldError"];

/** "a list read carries `counts` by contact status" (contract; not in the document yet). */
export type StatusCounts = Partial<Record<ContactStatus, number>>;
export type MailingList = S["ListOut"] & { counts?: StatusCounts; language?: string };

export type CampaignStatus = S["CampaignStatus"];
export type Campaign = S["CampaignView"];
export type Refreshed = S["Refreshed"];
export type Preview = S["PreviewView"];
export type Scheduled = S["ScheduleAccepted"];
export type TestSent = S["TestSendAccepted"];

// Routes of the contract (DESIGN.md section 4) not in the document yet.
export type TimelineBucket = {
  start: string;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
};
export type Timeline = { buckets: TimelineBucket[] };
export type LinkStats = { url: string; clicks: number; unique_clicks: number };
export type LargeImport = { import_id: string; upload_url: string; expires_at: string };
export type ImportProgress = {
  status: "waiting" | "running" | "done" | "failed";
  rows: number;
  imported: number;
  rejected_count: number;
  rejected: RejectedRow[];
};
export type ExportStarted = { export_id: string };
export type ExportProgress = { status: string; download_url?: string | null; expires_at?: string | null };
