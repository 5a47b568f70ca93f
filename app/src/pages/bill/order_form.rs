//! The order entry of 会計: the visit's kind and time, セット, 診療行為 (by code or from the
//! master search), 投薬 (Rp groups) and 注射・処置. Everything it edits is the page's [`Form`],
//! through the form's index-safe methods.

use super::form::{apply_set, readable_codes, Form, ProcInput, RpInput};
use crate::components::field::TextField;
use leptos::prelude::*;
use shared::api::billing::{BillContext, ItemSet, MasterHit};
use shared::billing::{Dispensing, TimeCategory, VisitKind};

#[component]
#[allow(clippy::too_many_arguments)]
pub fn OrderForm(
    form: RwSignal<Option<Form>>,
    context: RwSignal<Option<BillContext>>,
    sets: RwSignal<Vec<ItemSet>>,
    set_name: RwSignal<String>,
    new_item: RwSignal<String>,
    query: RwSignal<String>,
    hits: RwSignal<Vec<MasterHit>>,
    /// Names of the codes on the form (from the priced lines and the hits picked).
    names: Signal<std::collections::HashMap<String, String>>,
    /// A 診療行為 code as typed, to add.
    on_add_item: Callback<String>,
    /// Save what is entered as a セット named `set_name`.
    on_save_set: Callback<()>,
) -> impl IntoView {
    let edit = move |f: &dyn Fn(&mut Form)| {
        form.update(|form| {
            if let Some(form) = form.as_mut() {
                f(form)
            }
        })
    };
    let add_item = move |code: String| on_add_item.run(code);
    let name_of = move |code: &str| {
        names
            .with(|n| n.get(code).cloned())
            .unwrap_or_else(|| code.to_string())
    };
    // What an Rp's or 処置's typed codes are, by name, under the field.
    let named = move |typed: &str| {
        readable_codes(typed)
            .into_iter()
            .map(|(code, quantity)| format!("{} ×{quantity}", name_of(&code)))
            .collect::<Vec<_>>()
            .join("、")
    };
    let save_set = move |_: ()| on_save_set.run(());
    view! {
        <section class="bill-editor" data-testid="bill-editor">
            <fieldset>
                <legend>"受診"</legend>
                <label><input type="radio" name="visit_kind" data-testid="visit-initial"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.kind == VisitKind::Initial))
                    on:change=move |_| edit(&|f| f.kind = VisitKind::Initial)/>"初診"</label>
                <label><input type="radio" name="visit_kind" data-testid="visit-revisit"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.kind == VisitKind::Revisit))
                    on:change=move |_| edit(&|f| f.kind = VisitKind::Revisit)/>"再診"</label>
                <span class="hint" data-testid="visit-kind-why">{move || context.with(|c| c.as_ref().map(|c| match &c.earlier_visit {
                    Some(e) => format!("前回受診 {} {}（受付記録から再診としています）", e.date, e.department),
                    None => "この医療機関での受診記録がないため初診としています".to_string(),
                }))}</span>
                <label>"時間区分 "
                    <select data-testid="visit-time" on:change=move |ev| {
                        let t = match event_target_value(&ev).as_str() {
                            "out_of_hours" => TimeCategory::OutOfHours,
                            "holiday" => TimeCategory::Holiday,
                            "late_night" => TimeCategory::LateNight,
                            "night_early_morning" => TimeCategory::NightEarlyMorning,
                            _ => TimeCategory::Regular,
                        };
                        edit(&|f| f.time = t);
                    }>
                        <option value="regular">"通常"</option>
                        <option value="out_of_hours">"時間外"</option>
                        <option value="holiday">"休日"</option>
                        <option value="late_night">"深夜"</option>
                        <option value="night_early_morning">"夜間・早朝等"</option>
                    </select>
                </label>
                <label><input type="checkbox" data-testid="visit-management"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.management))
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.management = on) }/>"外来管理加算"</label>
                <label><input type="checkbox" data-testid="visit-telemedicine"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.telemedicine))
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.telemedicine = on) }/>"オンライン診療（情報通信機器）"</label>
                // Only where it changes the price: 医療情報取得加算 registered and a date from
                // 2024-06-01 until it became one 1点 加算 (2024-12-01).
                <Show when=move || context.with(|c| c.as_ref().is_some_and(|c| {
                    c.settings.as_ref().is_some_and(|s| s.standards.online_qualification)
                        && ("2024-06-01".."2024-12-01").contains(&c.service_date.as_str())
                }))>
                    <label><input type="checkbox" data-testid="visit-electronic-qualification"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.electronic_qualification))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.electronic_qualification = on) }/>"マイナ保険証等で診療情報を取得"</label>
                </Show>
            </fieldset>

            // セット: a menu, out of the way until wanted.
            <details class="set-menu" data-testid="set-menu">
                <summary>"セット"</summary>
                <div class="set-buttons" data-testid="item-sets">
                    {move || sets.get().into_iter().map(|set| {
                        let contents = set.contents.clone();
                        view! {
                            <button type="button" class="secondary" data-testid="apply-set"
                                on:click=move |_| { let c = contents.clone(); edit(&|f| apply_set(f, &c)) }>{set.name.clone()}</button>
                        }
                    }).collect_view()}
                </div>
                <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save_set(()); }>
                    <TextField id="set_name" label="入力中の項目をセットとして保存（セット名）" value=set_name/>
                    <button type="submit" class="secondary" data-testid="save-set">"セットを保存"</button>
                </form>
            </details>

            <fieldset>
                <legend>"診療行為"</legend>
                <ul class="bill-items" data-testid="bill-items">
                    {move || form.get().map(|f| f.items.iter().enumerate().map(|(i, (code, count))| {
                        let count = *count;
                        view! {
                            <li data-testid="bill-item">
                                <span class="item-name" title=code.clone()>{name_of(code)}</span>
                                <span class="quantity">
                                    <button type="button" class="secondary" aria-label="1つ減らす" disabled=count <= 1
                                        on:click=move |_| edit(&|f| f.set_item_count(i, count - 1))>"−"</button>
                                    <span data-testid="bill-item-count">{format!("×{count}")}</span>
                                    <button type="button" class="secondary" aria-label="1つ増やす" data-testid="bill-item-more"
                                        on:click=move |_| edit(&|f| f.set_item_count(i, count + 1))>"＋"</button>
                                </span>
                                <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_item(i))>"削除"</button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
                <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); add_item(new_item.get_untracked()); }>
                    <TextField id="bill_item_code" label="コード（9桁）" value=new_item inputmode="numeric"/>
                    <button type="submit" data-testid="bill-add-item">"追加"</button>
                </form>
                <TextField id="master_query" label="マスター検索（コード・名称・カナ・一般名）" value=query/>
                <ul class="master-hits" data-testid="master-hits">
                    {move || hits.get().into_iter().map(|h| {
                        let code = h.code.clone();
                        let kind = h.kind.clone();
                        view! {
                            <li>
                                <button type="button" class="link" on:click=move |_| {
                                    if kind == "procedure" {
                                        add_item(code.clone());
                                    } else {
                                        edit(&|f| f.add_drug(&code));
                                    }
                                }>{h.label_ja()}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </fieldset>

            <fieldset>
                <legend>"投薬"</legend>
                <label><input type="radio" name="dispensing" data-testid="rx-in-house"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::InHouse))
                    on:change=move |_| edit(&|f| f.dispensing = Dispensing::InHouse)/>"院内処方"</label>
                <label><input type="radio" name="dispensing" data-testid="rx-outside"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::Outside))
                    on:change=move |_| edit(&|f| f.dispensing = Dispensing::Outside)/>"院外処方"</label>
                <label><input type="checkbox" data-testid="rx-specific-disease"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.specific_disease))
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.specific_disease = on) }/>"特定疾患処方管理"</label>
                <ol class="rps">
                    {move || form.get().map(|f| f.rps.iter().enumerate().map(|(i, rp)| {
                        let rp = rp.clone();
                        view! {
                            <li data-testid="rp">
                                <select data-testid=format!("rp{}-kind", i + 1) on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_rp(i, |rp| rp.kind = v.clone())) }>
                                    <option value="internal" selected=rp.kind == "internal">"内服"</option>
                                    <option value="as_needed" selected=rp.kind == "as_needed">"屯服"</option>
                                    <option value="external" selected=rp.kind == "external">"外用"</option>
                                </select>
                                <input class="short" data-testid=format!("rp{}-amount", i + 1) aria-label="日数・回数" prop:value=rp.amount.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_rp(i, |rp| rp.amount = v.clone())) }/>
                                <span>{if rp.kind == "as_needed" { "回分" } else if rp.kind == "external" { "" } else { "日分" }}</span>
                                <input class="wide" data-testid=format!("rp{}-drugs", i + 1) aria-label="医薬品コード×数量" placeholder="620099301×3, 620009465×3"
                                    prop:value=rp.drugs.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_rp(i, |rp| rp.drugs = v.clone())) }/>
                                <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_rp(i))>"削除"</button>
                                <p class="hint rp-names" data-testid=format!("rp{}-names", i + 1)>{named(&rp.drugs)}</p>
                            </li>
                        }
                    }).collect_view())}
                </ol>
                <button type="button" class="secondary" data-testid="rp-add" on:click=move |_| edit(&|f| f.rps.push(RpInput::new()))>"Rpを追加"</button>
            </fieldset>

            <fieldset>
                <legend>"注射・処置"</legend>
                <ol class="rps">
                    {move || form.get().map(|f| f.procedures.iter().enumerate().map(|(i, p)| {
                        let p = p.clone();
                        view! {
                            <li data-testid="procedure">
                                <strong>{if p.injection { "注射" } else { "処置" }}</strong>
                                <input class="code" data-testid=format!("proc{}-code", i + 1) aria-label="手技の診療行為コード" placeholder="手技コード（任意）"
                                    prop:value=p.code.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_procedure(i, |p| p.code = v.clone())) }/>
                                <input class="short" data-testid=format!("proc{}-count", i + 1) aria-label="回数" prop:value=p.count.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_procedure(i, |p| p.count = v.clone())) }/>
                                <span>"回"</span>
                                <input class="wide" data-testid=format!("proc{}-drugs", i + 1) aria-label="薬剤（医薬品コード×数量）" placeholder="薬剤 620000000×1"
                                    prop:value=p.drugs.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_procedure(i, |p| p.drugs = v.clone())) }/>
                                <input class="wide" data-testid=format!("proc{}-materials", i + 1) aria-label="特定器材（コード×数量）" placeholder="特定器材 700000000×1"
                                    prop:value=p.materials.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_procedure(i, |p| p.materials = v.clone())) }/>
                                <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_procedure(i))>"削除"</button>
                            </li>
                        }
                    }).collect_view())}
                </ol>
                <button type="button" class="secondary" data-testid="injection-add" on:click=move |_| edit(&|f| f.procedures.push(ProcInput::new(true)))>"注射を追加"</button>
                <button type="button" class="secondary" data-testid="treatment-add" on:click=move |_| edit(&|f| f.procedures.push(ProcInput::new(false)))>"処置を追加"</button>
            </fieldset>
        </section>
    }
}
