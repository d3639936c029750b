// What each PSA asks for; mirrors VENDOR_FIELDS on the server (the server validates).
export type Vendor = "connectwise" | "halo" | "autotask";
export type Field = { name: string; label: string; secret?: boolean; optional?: boolean; placeholder?: string };

export const VENDORS: Record<Vendor, { label: string; fields: Field[] }> = {
  connectwise: {
    label: "ConnectWise PSA",
    fields: [
      { name: "base_url", label: "API URL (or just the site; the codebase is looked up)",
        placeholder: "https://na.myconnectwise.net or https://api-na.myconnectwise.net/v4_6_release/apis/3.0" },
      { name: "company_id", label: "Company ID" },
      { name: "public_key", label: "Public key" },
      { name: "private_key", label: "Private key", secret: true },
      { name: "client_id", label: "Client ID (developer GUID)" },
      { name: "member_identifier", label: "Member for time entries", optional: true },
      { name: "resolved_status_name", label: "Status that means resolved (looked up on each ticket's board)", optional: true,
        placeholder: "Resolved" },
      { name: "resolved_status_id", label: "Resolved status id (overrides it; one board only)", optional: true },
    ],
  },
  halo: {
    label: "HaloPSA",
    fields: [
      { name: "base_url", label: "Halo URL", placeholder: "https://yourco.halopsa.com" },
      { name: "client_id", label: "Client ID" },
      { name: "client_secret", label: "Client secret", secret: true },
      { name: "tenant", label: "Tenant (hosted Halo only)", optional: true },
      { name: "note_outcome", label: "Action outcome for notes", optional: true, placeholder: "Private Note" },
      { name: "resolution_outcome", label: "Action outcome for customer-visible notes", optional: true,
        placeholder: "same as for notes" },
      { name: "resolved_status_id", label: "Resolved status id (to close tickets)", optional: true },
    ],
  },
  autotask: {
    label: "Autotask PSA",
    fields: [
      { name: "username", label: "API user name" },
      { name: "secret", label: "API secret", secret: true },
      { name: "integration_code", label: "Tracking identifier (integration code)", secret: true },
      { name: "zone_url", label: "Zone lookup URL", optional: true,
        placeholder: "https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation" },
      { name: "resolved_status_id", label: "Resolved status id (5 = Complete)", optional: true },
    ],
  },
};
