import type { Me } from "../api/client";
import { AiPrivacySection } from "../features/settings/components/AiPrivacySection";
import { AuditSection } from "../features/settings/components/AuditSection";
import { HuduSection } from "../features/settings/components/HuduSection";
import { ITGlueSection } from "../features/settings/components/ITGlueSection";
import { PeopleSection } from "../features/settings/components/PeopleSection";
import { PsaConnectionsSection } from "../features/settings/components/PsaConnectionsSection";
import { SmtpSection } from "../features/settings/components/SmtpSection";

export function SettingsPage({ me }: { me: Me }) {
  if (me.role !== "admin") return <p role="alert" className="text-red-700">Only an account admin can change the settings.</p>;
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Settings</h1>
      <PeopleSection meId={me.id} />
      <PsaConnectionsSection />
      <SmtpSection defaultTestAddress={me.email} />
      <HuduSection />
      <ITGlueSection />
      <AiPrivacySection />
      <AuditSection />
    </div>
  );
}
