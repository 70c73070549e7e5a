/** What every page with the navigation rail shares, the workspace's and the settings', the
 * customer pages' and the reports': the search field (search.ts) and the presence heartbeat
 * (presence.ts). Without the heartbeat an agent who spends a while in the settings would be set
 * away there, and their live chats handed to others. */

import "./search";
import { installPresence } from "./presence";

if (document.getElementById("presence-beat")) installPresence();
