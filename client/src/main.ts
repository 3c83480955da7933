import { mount } from "svelte";
import App from "./app/App.svelte";
import { registerServiceWorker } from "./connection/serviceWorker.ts";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

registerServiceWorker();

export default mount(App, { target });
