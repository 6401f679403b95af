import { mount } from "svelte";
import "../styles/base.css";
import DashboardApp from "./DashboardApp.svelte";

mount(DashboardApp, { target: document.getElementById("app")! });
