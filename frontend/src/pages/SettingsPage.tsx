import type { Me } from "../api/client";
import { AiPrivacySection } from "../components/settings/AiPrivacySection";
import { AuditSection } from "../components/settings/AuditSection";
import { HuduSection } from "../components/settings/HuduSection";
import { ITGlueSection } from "../components/settings/ITGlueSection";
import { PeopleSection } from "../components/settings/PeopleSection";
import { PsaConnectionsSection } from "../components/settings/PsaConnectionsSection";
import { SmtpSection } from "../components/settings/SmtpSection";

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
