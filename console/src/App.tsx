/** The console's screens, one URL each (under /console/), and the session rule: a screen that needs
 * a session sends the person to sign-in, then back to where they were. */
import { useEffect, useState, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { session } from "./api/session";
import { Layout } from "./components/Layout";
import { Account } from "./screens/Account";
import { CampaignEditor } from "./screens/CampaignEditor";
import { CampaignReport } from "./screens/CampaignReport";
import { ContactEditor } from "./screens/ContactEditor";
import { Dashboard } from "./screens/Dashboard";
import { ForgotPassword, ResetPassword } from "./screens/PasswordReset";
import { ListContacts } from "./screens/ListContacts";
import { ListImport } from "./screens/ListImport";
import { ListSettings } from "./screens/ListSettings";
import { NewContact } from "./screens/NewContact";
import { NewList } from "./screens/NewList";
import { NotFound } from "./screens/NotFound";
import { SignIn } from "./screens/SignIn";
import { SignUp } from "./screens/SignUp";
import { VerifyEmail } from "./screens/VerifyEmail";

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(session.signedIn());
  useEffect(() => session.subscribe(() => setSignedIn(session.signedIn())), []);
  return signedIn;
}

/** On a 401 anywhere, back to sign-in with the current place to return to. */
function ExpiryWatcher() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      session.subscribe((reason) => {
        if (reason === "expired") {
          const next = location.pathname + location.search;
          navigate(`/sign-in?next=${encodeURIComponent(next)}&expired=1`);
        }
      }),
    [navigate, location],
  );
  return null;
}

function RequireSession({ children }: { children: ReactNode }) {
  const location = useLocation();
  const [state, setState] = useState<"ok" | "resuming" | "out">(session.signedIn() ? "ok" : "resuming");
  useEffect(() => {
    if (state !== "resuming") return;
    // A reload keeps only the refresh token: ask for new tokens before giving up.
    void session.resume().then((ok) => setState(ok ? "ok" : "out"));
  }, [state]);
  if (state === "ok" || session.signedIn()) return <>{children}</>;
  if (state === "resuming") return <p role="status" data-loading>…</p>;
  const next = location.pathname + location.search;
  return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
}

function Shell() {
  const signedIn = useSignedIn();
  const guard = (screen: ReactNode) => <RequireSession>{screen}</RequireSession>;
  return (
    <Layout signedIn={signedIn}>
      <ExpiryWatcher />
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/sign-up" element={<SignUp />} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="/forgot-password" element={<ForgotPassword />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route path="/" element={guard(<Dashboard />)} />
        <Route path="/lists/new" element={guard(<NewList />)} />
        <Route path="/lists/:listId" element={guard(<ListContacts />)} />
        <Route path="/lists/:listId/contacts/new" element={guard(<NewContact />)} />
        <Route path="/lists/:listId/contacts/:contactId" element={guard(<ContactEditor />)} />
        <Route path="/lists/:listId/import" element={guard(<ListImport />)} />
        <Route path="/lists/:listId/settings" element={guard(<ListSettings />)} />
        <Route path="/campaigns/new" element={guard(<CampaignEditor />)} />
        <Route path="/campaigns/:campaignId" element={guard(<CampaignEditor />)} />
        <Route path="/campaigns/:campaignId/report" element={guard(<CampaignReport />)} />
        <Route path="/account" element={guard(<Account />)} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

export function App() {
  const basename = `${window.location.pathname.split("/console")[0]}/console`;
  return (
    <BrowserRouter basename={basename}>
      <Shell />
    </BrowserRouter>
  );
}
