"""The catalogue of user-visible text: every Chinese message reportkit prints lives here."""

from __future__ import annotations

import datetime as dt

# Holiday names as chinese_calendar's Holiday enum names them.
HOLIDAY_NAMES: dict[str, str] = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "抗战胜利纪念日",
}

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

FIELD_TYPES: dict[str, str] = {
    "count": "整数",
    "money": "金额（万元）",
    "rate": "百分比",
    "text": "文字",
    "date": "日期",
    "phone": "电话号码",
    "email": "电子邮箱",
}

# A submission's status, as the board, the outputs, the report and the browser view name it.
STATUS_NAMES: dict[str, str] = {
    "on_time": "按时",
    "late": "逾期",
    "missing": "缺报",
    "rejected": "退回",
    "pending": "待报",
}

# An issue's severity, as the console, the outputs' 校验问题 sheet and the browser name it.
SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}

MESSAGES: dict[str, str] = {
    # campaign file
    "campaign.syntax": "活动配置文件格式错误：{detail}",
    "campaign.missing": "缺少必填的键“{key}”",
    "campaign.unknown_key": "未知的键“{key}”（可用的键：{allowed}）",
    "campaign.type": "键“{key}”的值应为{expected}，实际是“{value}”",
    "campaign.choice": "键“{key}”的值“{value}”无效，应为以下之一：{choices}",
    "campaign.ref": "键“{key}”引用了不存在的{kind}“{value}”",
    "campaign.date": "键“{key}”的值“{value}”不是有效日期（格式：2024-03-28）",
    "campaign.duplicate": "键“{key}”的值“{value}”重复",
    "campaign.need_scope": "报送链的最高级别是“{level}”而不是全国：请用 scope 写明最高的单位（行政区划代码，如 420000）",
    "campaign.wrong_year": "日期 {value} 不在 {year} 年内",
    "campaign.date_order": "结束日期 {last} 早于开始日期 {first}",
    "campaign.outside": "日期 {value} 不在活动期间（{starts} 至 {ends}）内",
    "campaign.out_of_scope": "单位 {unit} 不在活动范围（{scope}）内，报送不到活动的最高单位",
    "campaign.check_ok": "{path}：没有发现错误。",
    "campaign.check_errors": "{path}：发现 {count} 个错误。",
    "campaign.only_for": "键“{key}”只用于类型为 {kind} 的字段",
    "campaign.quantity_unit": "数量（quantity）要写计量单位（unit，如 公斤、吨、人次）",
    "campaign.part_numeric": "“其中”项和它所属的项都应是数字",
    "campaign.options_excel": "选项中不能有半角逗号或引号，全部选项合计不超过 255 个字符（Excel 下拉列表的限制）",
    "campaign.timezone": "“{value}”不是时区的名称（中国大陆用 Asia/Shanghai）",
    "campaign.syntax_at": "第 {column} 列：{detail}",
    "campaign.not_listed": "表格“{form}”和报送节点“{milestone}”要互相列出：表格的 milestones 和报送节点的 forms 都要写上对方",
    "campaign.formula": "公式写法不对：{detail}",
    "campaign.same_name": "单元格“{key}”和“{other}”的定义名称都是 {name}：请改一个 id（定义名称由“行 id_列 id”组成）",
    "campaign.reserved_id": "“{value}”是表头或报送节点的 id，表格里的字段不能用它",
    "campaign.two_tops": "级别 {levels} 都没有 submits_to：报送链只能有一个最高级别",
    "campaign.no_top": "每个级别都有 submits_to：报送链没有最高级别（是否写成了循环？）",
    "campaign.level_up": "级别“{level}”只能报送给比它高的级别，不能报送给“{to}”",
    "campaign.level_branch": "级别 {levels} 都报送给“{to}”：报送链不能分叉（每个级别只有一个下级级别）",
    "campaign.unit_level": "单位 {unit} 作为“{level}”级别，不能报送给同级或更低级别的单位 {parent}",
    "campaign.rule": "规则“{rule}”的表达式“{expr}”无法解析：{detail}",
    "campaign.unreadable": "无法读取活动配置文件：{detail}",
    "campaign.location": "{file} 第 {line} 行，{key}：{message}",
    "campaign.location_noline": "{file}，{key}：{message}",
    # campaign init: drafting a campaign file from the official table (reportkit/draft.py,
    # reportkit/io/tables.py); the comments of the draft, then what the command says
    "draft.head": "活动草稿：由 reportkit campaign init 从 {source} 中的统计表生成。\n"
    "这是草稿，还不是能用的活动文件：请逐项核对，补全下面注释里的各部分，再用 reportkit campaign check 检查。\n"
    "每个猜出来的值上面都有注释，写明猜的是什么、依据是什么；核对后可以删去这些注释。\n"
    "各 id 由标签的拼音首字母生成，只保证唯一、合法（小写英文字母开头，只有字母、数字、下划线），请作者改成有意义的\n"
    "英文标识（如 cases、fines）：校验规则（[[rules]]）、报告和模板的定义名称引用的都是这些 id，要在活动发布前改好。",
    "draft.placeholders": "待作者填写（写法见内置活动 reportkit/campaigns/tzzy-2024/campaign.toml）：去掉下面各行行首的 # 再改成本活动的值。\n"
    "\n"
    "[campaign]\n"
    'id = "…"               # 活动代码，如 tzzy-2024\n'
    'name = "…"             # 活动名称\n'
    "year = 2024\n"
    'starts = "2024-03-01"  # 活动开始日期\n'
    'ends = "2024-12-31"    # 活动结束日期\n'
    'documents = [{{ level = "national", number = "…〔2024〕…号", title = "…" }}]\n'
    "\n"
    "[levels.province]      # 报送链，自上而下，每级一节；最高一级不写 submits_to\n"
    'name = "省级"\n'
    "[levels.city]\n"
    'name = "市级"\n'
    'submits_to = "province"  # 报给哪一级\n'
    "\n"
    "[lines.samr]           # 条线（如市场监管、应急管理），每条一节：各级机关的名称\n"
    'name = "市场监管"\n'
    'agency = {{ province = "市场监督管理局", city = "市场监督管理局" }}\n'
    "\n"
    "[milestones.final]     # 报送节点，每个一节：要报的表格和各级截止日期（“X月X日前”按当天结束计）\n"
    'name = "…"\n'
    'forms = ["…"]\n'
    'deadlines = [{{ level = "city", date = "2024-11-04", source = "…〔2024〕…号" }}]',
    "draft.line_placeholder": 'line = "…"          # 待填写：填报这张表的条线（[lines.*] 的代码；两条线都填时写 "any"）\n'
    'milestones = ["…"]  # 待填写：要报这张表的报送节点（[milestones.*] 的代码）\n'
    "每一列、每个单个数值也要写 milestones（哪些节点必须填它），不写就不是必填项。",
    "draft.rules_placeholder": "校验规则，待填写（可选），如：\n"
    "[[rules]]\n"
    'id = "…"\n'
    'form = "{form}"\n'
    'left = "…"          # 一列的 id（表格的每一行都检查）\n'
    'op = "<="\n'
    'right = "…"         # 另一列的 id\n'
    'severity = "error"\n'
    'message = "…（{{left}}）不能多于…（{{right}}）。"',
    "draft.form_where": "取自{where}。",
    "draft.table_n": "第 {n} 个表格",
    "draft.sheet_where": "工作表“{sheet}”",
    "draft.header_from": "猜测：表头字段取自{where}上下的“填报单位：”“填报人：”等文字（所有表格共用）；类型按字段名猜出。",
    "draft.name_from": "猜测：表名取自“{line}”。",
    "draft.no_name": "没有在表格上方找到表名：请填写 name（如“工作情况统计表”）。",
    "draft.subtitle": "表名下的“{line}”没有写进草稿（可写进 remark 或表名）。",
    "draft.attachment_from": "猜测：取自“{line}”",
    "draft.attachment_listed": "猜测：取自通知末尾的附件列表",
    "draft.unit_label_from": "猜测：取自“{line}”中填报单位横线后的文字",
    "draft.remark_from": "猜测：表格下方的备注，原文照录。",
    "draft.table_unit": "表格上方写着“单位：{unit}”：没有单位的列按它猜类型，请核对。",
    "draft.sequence_dropped": "“{label}”列是行的编号，没有写进草稿。",
    "draft.indicator": '这是指标表（每一行有自己的计量单位，各列是方法或时期）：layout = "indicators"，行有各自的 type 和 unit，列没有类型。',
    "draft.indicator_from_rows": "猜测：各列标签没有单位，多数行标签有单位，按指标表处理。",
    "draft.unit_column": "“{label}”列是各行的计量单位，没有作为一列写出。",
    "draft.column_n": "第{n}列",
    "draft.no_column_label": "这一列没有表头：标签待填写。",
    "draft.group_from": "猜测：分组取自跨列的合并表头“{group}”",
    "draft.groups_joined": "猜测：多层跨列表头 {groups} 合为一个分组，请核对",
    "draft.type_from_unit": "猜测：类型 {type}、单位“{unit}”取自标签中的单位",
    "draft.type_from_word": "猜测：标签含“{word}”，类型猜为 {type}",
    "draft.type_from_table_unit": "猜测：标签没有单位，类型 {type}、单位“{unit}”取自表格上方的“单位：{unit}”",
    "draft.type_guessed": "猜测：标签没有单位，类型猜为 count（整数），请核对",
    "draft.rate_derive": '比率：如果由两列相除得出，请加 derive = "ratio"、numerator、denominator（见内置活动的覆盖率）',
    "draft.quantity": "数量（quantity）默认保留 2 位小数：需要其他位数时加 places = N；只填整数时可改为 count",
    "draft.money_unit": "单位是“{unit}”：reportkit 的 money 按万元、4 位小数设计，请核对",
    "draft.row_type_from_column": "猜测：类型 {type}、单位“{unit}”取自单位列",
    "draft.row_unit_unknown": "单位列写着“{unit}”，不是认得的单位：类型猜为 count，请核对",
    "draft.row_group": "这一行属于“{group}”（纵向合并的行分组）：分组没有写进草稿",
    "draft.row_no_label": "第 {n} 行没有行标签，没有写进草稿。",
    "draft.total": '猜测：“{label}”是合计行，derive = "sum"（其他各行之和，不用填写）',
    "draft.total_with_parts": '注意：derive = "sum" 把其他各行相加，不加 {parts}（其中行已含在所属行内）；合计只含部分行时写 of = [行 id…]',
    "draft.total_not_last": "注意：合计行不在第一行或最后一行，请核对它是否是全表的合计",
    "draft.part_row": "其中：“{label}”是“{whole}”的一部分（part_of）：合计不加它，校验它不多于“{whole}”",
    "draft.part_row_first": "其中：“{label}”是表格第一行，上面没有它所属的行，请核对",
    "draft.part_column": "其中：“{label}”是“{whole}”的一部分",
    "draft.field_from_row": "单个数值：取自表格第 {n} 行的“{label}”（标签后的空格填写数值）",
    "draft.key_value": "这张表每行只有一个标签、旁边留空：各行作为单个数值（fields）写出。",
    "draft.columns_as_fields": "这张表只有表头、没有行标签：各列作为单个数值（fields）写出。",
    "draft.nothing": "{source} 中的表格都是空的，没有可以起草的行或列。",
    "draft.too_big": "{path} 有 {size}，超过上限 {limit}：统计表文件不会这么大，未读取。",
    "draft.unpacked_too_big": "{path} 解压后有 {size}，超过上限 {limit}，疑似“压缩炸弹”，未读取。",
    "draft.empty": "{path} 是空文件（0 字节），没有表格可读。",
    "draft.encrypted": "{path} 设置了打开密码（已加密），无法读取。请去掉密码后再试。",
    "draft.old_doc": "{path} 是旧版 Word 文档（.doc）：请在 Word/WPS 中另存为“Word 文档（*.docx）”后再试。",
    "draft.old_sheet": "{path} 是 {kind} 格式的表格：请在 Excel/WPS 中另存为“Excel 工作簿（*.xlsx）”后再试。",
    "draft.not_table_file": "{path} 不是 Word 文档（.docx）或 Excel 工作簿（.xlsx），无法读取表格。",
    "draft.hostile": "{path} 的内部结构异常（{detail}），可能已损坏或是恶意构造的，未读取。",
    "draft.unreadable": "{path} 无法读取（{detail}），文件可能已损坏。",
    "draft.no_table": "{path} 中没有表格：请用印有统计表的 Word 文档，或把统计表录入 Excel 工作簿后再试。",
    "draft.no_sheet": "{path} 中没有写有内容的工作表。",
    "draft.table_too_big": "{path}：{where}至少有 {rows} 行、{cols} 列，超过上限（{max_rows} 行 × {max_cols} 列），不像一张统计表，未读取。",
    "draft.left_out": "文件中还有 {count} 个表格（或工作表）超过上限 {limit} 个，没有起草。",
    "draft.same_file": "输出文件 {path} 就是输入的表格文件：请另选 -o 的文件名。",
    "draft.exists": "{path} 已存在且内容不同（可能已经改过），未覆盖。确需覆盖请加 --force：原文件会先另存为“{kept}”，不会丢失。",
    "draft.kept": "原有的 {path} 已另存为 {kept}。",
    "draft.kept_name": "{stem}（原文件 {stamp}）{suffix}",
    "draft.unchanged": "{path} 已存在且内容相同，未改动。",
    "draft.wrote": "已写出活动草稿 {path}：{count} 张表格。",
    "draft.wrote_form": "  [forms.{id}] {name}：{rows} 行、{columns} 列、{fields} 个单个数值",
    "draft.no_name_short": "（表名待填写）",
    "draft.next": "请核对注释里的猜测，补全 [campaign]、[levels]、[lines]、[milestones] 等部分，改好 id，再用 reportkit campaign check {path} 检查。",
    # units and options
    "unit.unknown_form": "未知的表格“{form}”，可用的表格：{choices}",
    "unit.unknown_milestone": "未知的报送节点“{milestone}”，可用的节点：{choices}",
    "unit.milestone_no_form": "“{milestone}”是随时报送的文字材料，没有统计表可汇总、校验或生成模板（生成总结报告时可用 report --inbox 编入附件）。这张表格的报送节点：{choices}",
    "unit.form_not_for_line": "表格“{form}”属于{form_line}条线，不能按{line}条线生成",
    "unit.no_children": "{unit}没有下级报送单位",
    "unit.need_form": "请用 --form 指定表格：{choices}",
    "unit.not_in_campaign": "{unit}不是本活动的报送单位：本活动的报送链是 {levels}",
    "unit.unknown_line": "未知的条线“{line}”，可用的条线：{choices}",
    "template.exists": "{path} 已存在且内容不同，未覆盖（可能是已填写的报表）；确需覆盖请加 --force",
    "unit.national_template": "全国是汇总的最高一级，没有上报的模板；请用 --children 为各省生成模板",
    # calendar facts
    "day.holiday": "{date}（{weekday}）是{holiday}假期，之前最后一个工作日是 {last}（{last_weekday}）",
    "day.weekend": "{date}（{weekday}）是周末，之前最后一个工作日是 {last}（{last_weekday}）",
    "day.no_data": "节假日数据不含 {year} 年（chinesecalendar 仅支持 {first}–{last} 年），未核实是否为节假日；国务院公布当年安排后，可在活动文件的 [holidays.{year}] 中写明",
    # files: what a file is and whether it can be read at all ({file} is always given)
    "file.empty": "文件是空的（0 字节），无法读取。",
    "file.too_big": "文件过大（{detail}），超过单个报表文件的上限，未读取。",
    "file.document": "这是文字材料（Word/PDF），不是统计报表；已列出，不参与汇总。生成总结报告时可用 report --inbox 编入附件。",
    "file.lock_file": "这是 Excel/WPS 打开文件时留下的临时锁定文件，已跳过。",
    "file.encrypted": "工作簿设置了打开密码（已加密），无法读取。请去掉密码后重新报送。",
    "file.word": "这是 Word 文档，不是 Excel 工作簿。请用报表模板填写后报送。",
    "file.not_spreadsheet": "这是一个压缩包或其他格式的文件，不是 Excel 工作簿。",
    "file.html": "这是另存为 .xls 的网页（HTML）文件，不是真正的 Excel 工作簿。请在 Excel/WPS 中另存为“Excel 工作簿（*.xlsx）”后重新报送。",
    "file.xml2003": "这是“XML 电子表格 2003”格式，不是 Excel 工作簿。请另存为“Excel 工作簿（*.xlsx）”后重新报送。",
    "file.csv": "这是 CSV 文本文件，没有报表格式。请用报表模板填写后报送。",
    "file.text": "这是纯文本文件，不是 Excel 工作簿。",
    "file.unknown": "无法识别的文件格式，不是 Excel 工作簿。",
    "file.unknown_ole": "无法识别的 Office 文件（既不是 Excel 也不是 Word）。",
    "file.corrupt_zip": "文件已损坏（压缩结构不完整，可能没有复制完），无法读取。请重新报送。",
    "file.bad_archive": "压缩包无法解开（{detail}），其中的报表都未读取。请检查压缩包后重新放入。",
    "file.zip_entries": "工作簿内部文件数量异常（{detail} 个），疑似恶意文件，未读取。",
    "file.zip_duplicate": "工作簿内部有重复的条目（{detail}），疑似被篡改，未读取。",
    "file.zip_bomb": "工作簿解压后大小异常（{detail}），疑似“压缩炸弹”，未读取。",
    "file.zip_size_lie": "工作簿内部条目的实际大小与声明不符（{detail}），文件已损坏或被篡改，未读取。",
    "file.xml_dtd": "工作簿含有 XML 实体声明（{detail}），可能是恶意文件（实体扩展或外部实体），未读取。",
    "file.sheet_too_large": "工作表范围异常大（{detail}），超出报表的合理范围，未读取。",
    "file.too_many_strings": "工作簿含有异常多的文本（{detail} 个共享字符串），未读取。",
    "file.unreadable": "工作簿无法读取：{detail}",
    "file.crashed": "读取该文件时解析程序异常退出，文件可能已损坏或是恶意构造的，未读取。",
    "file.timeout": "读取该文件超时（超过 {seconds} 秒），未读取。",
    "file.busy": "文件正在写入（读取期间大小或修改时间发生变化），已跳过，下次运行时再读取。",
    "file.not_regular": "这不是普通文件（可能是管道、设备或指向它们的链接），没有打开。",
    "file.future_time": "文件的修改时间是 {mtime}，晚于本机收到它的时间 {now}（报送方或本机的时钟可能不准）；收到时间按 {now} 计。",
    "file.member_unsafe_name": "压缩包中这个文件的名称含有“..”或绝对路径，可能是恶意构造的；已按压缩包内的文件读取，没有解压到压缩包以外的位置。请报送单位改正文件名。",
    "file.member_encrypted": "压缩包中的这个文件设置了密码（已加密），无法读取；压缩包中的其他文件照常读取。请去掉密码后重新打包报送。",
    "file.member_method": "压缩包中的这个文件使用了不支持的压缩方式（{detail}），无法读取；压缩包中的其他文件照常读取。请用常见的 ZIP 格式（如 Windows 的“发送到 → 压缩文件夹”）重新打包。",
    "file.member_corrupt": "压缩包中的这个文件已损坏（{detail}），无法读取；压缩包中的其他文件照常读取。请重新打包报送。",
    "file.member_too_big": "压缩包中的这个文件解压后有 {detail}，超过单个报表文件的上限，未解压。",
    "file.member_bomb": "压缩包中的这个文件解压后大小异常（{detail}），疑似“压缩炸弹”，未解压。",
    "file.extract_cap": "本次运行从压缩包解压的总量已达上限（{limit}），这个文件未解压、未读取。请把压缩包拆小，或解压后放入文件夹再运行。",
    "file.archive_members": "压缩包中有 {count} 个文件，超过上限 {limit} 个，只读取了前 {limit} 个。请拆分后重新报送。",
    "file.archive_too_deep": "压缩包里套着压缩包，超过 {limit} 层，这个压缩包未读取。请解开后再报送。",
    "file.oserror": "无法打开文件：{detail}",
    "file.extension_mismatch": "文件扩展名是 {ext}，但内容是 {kind} 格式；已按实际格式读取。建议改正扩展名。",
    "file.no_form": "没有找到任何报表（{forms}）的表头和行列标签，无法读取。",
    "file.table_hidden": "报表所在的工作表“{sheet}”是隐藏的，请确认数据无误。",
    "file.hidden_sheet": "工作簿包含隐藏的工作表“{sheet}”，其中有数字；这些数字未被读取，请确认没有漏报。",
    "read.by_labels": "工作簿中的定义名称缺失，已按表格的行列标签读取。",
    "read.near_label": "单元格 {cell} 的“{text}”与表格的标签“{label}”不完全相同，已按“{label}”读取。",
    "read.label_missing": "没有找到{kind}标签“{label}”{where}，这一{kind}的数字没有读取。请按报表模板改正标签。",
    "read.label_guess": "（单元格 {cell} 的“{text}”是不是它？）",
    "file.duplicate_name": "定义名称 {detail} 出现了不止一次（{refs}），无法确定该读哪个单元格；未按定义名称读取。请删除多余的名称后重新报送。",
    # cells a person cannot see, or that come from elsewhere
    "cell.formula": "{where}：是公式{formula}的计算结果（{value}），不是直接填写的数字；已按 {value} 计入。请核对，或改为直接填写数字。",
    "cell.external": "{where}：是引用其他文件或程序的公式{formula}（外部链接或 DDE），显示的数字（{value}）无法核实，不能计入。请改为直接填写数字后重新报送。",
    "cell.hidden_row": "{where}：所在的第 {row} 行被隐藏了，填写的数字（{value}）看不到，但会计入汇总。请取消隐藏并核对。",
    "cell.hidden_col": "{where}：所在的 {col} 列被隐藏了，填写的数字（{value}）看不到，但会计入汇总。请取消隐藏并核对。",
    "cell.under_merge": "{where}：被合并单元格 {range} 遮住了，填写的数字（{value}）看不到，但会计入汇总。请取消合并并核对。",
    # roll-up
    "rollup.corrected_late": "按时报送后，于 {date} 报送了更正版本（以最新的有效版本为准）",
    "rollup.built_note": "由其下级单位的报表汇总生成",
    "rollup.edit_kept": "{path} 有人手工修改过（{fields}）；汇总的数字没有变化，保留了修改后的文件，以后重新生成时也沿用修改的表头。",
    "rollup.edit_rebuilt": "{path} 有人手工修改过（{fields}）；汇总的数字有变化，已重新生成并沿用修改的表头，修改过的原文件另存为 {copy}。",
    "rollup.own_unit": "这是{unit}自己的报表（可能是汇总输出放进了收件箱），不是下级单位报来的，已跳过。",
    "rollup.file_gone": "计入的这个版本的文件已不在收件箱中（台账里有存档，仍按它计入）",
    "rollup.built_file": "（由{unit}下级报表汇总生成）",
    "rollup.built": "{unit}没有自己的汇总表，已用其 {count} 个下级单位的报表先行汇总。",
    "rollup.own_file_wins": "{unit}已报送自己的汇总表，采用该表；收件箱中其 {count} 个下级单位的报表未重复计入。",
    "rollup.rate_left_out": "{row}的“{rate}”未计入{units}：这些单位的“{denominator}”没有填报或为 0，也无法由“{rate}”推算。",
    "rollup.child_incomplete": "{unit}报送的汇总表本身不完整（其下级有缺报或退回）。",
    "rollup.other_milestone": "该文件属于报送节点“{milestone}”，不属于本次汇总，已忽略。",
    "rollup.other_form": "该文件是“{form}”，不属于本次汇总的表格，已忽略。",
    "rollup.other_line": "该文件属于{line}条线，不属于本次汇总，已忽略。",
    "rollup.not_below": "报送单位 {unit} 不是 {parent} 的下级单位，未计入汇总。",
    "rollup.incomplete_banner": "注：本表为不完整汇总——{detail}。详见“报送情况”工作表。",
    "rollup.ignored_count": "另有 {count} 个文件属于其他表格、报送节点或条线，已忽略。",
    "rollup.parsed_count": "本次解析 {parsed} 个文件；{reused} 个文件的内容台账中已有（未变化或重复），直接使用台账记录。",
    "rollup.outputs": "输出：{paths}",
    "rollup.notice": "注意：{notice}",
    "rollup.no_line": "表格“{form}”由{count}条线分别填报，请用 --line 指定哪一条线（{choices}）",
    "rollup.ledger_remote": "台账数据库 {path} 位于网络共享（{fstype}）上。SQLite 在网络共享上的文件锁不可靠（见 sqlite.org），可能损坏数据。请把台账放在本机磁盘上（--ledger 指定本地路径）。",
    "rollup.ledger_busy": "另一个 reportkit{who}正在使用台账 {path}（等待 {seconds} 秒后仍未释放）。请等它完成后再试。",
    "rollup.ledger_corrupt": "台账数据库 {path} 已损坏（{detail}），无法使用。请先复制一份备份，再用 SQLite 的恢复命令修复（sqlite3 旧文件 .recover | sqlite3 新文件），或用 --ledger 指定新的台账位置；本次没有改动该文件，收件箱中的文件和之前的输出都保持不变。",
    "rollup.ledger_readonly": "台账数据库 {path} 无法写入（{detail}）：文件或其所在文件夹是只读的，或被设为不可修改。请检查权限，或用 --ledger 指定一个可写的位置。本次没有记录任何文件，之前的记录和输出都保持不变，修复后重新运行即可。",
    "rollup.ledger_full": "台账数据库 {path} 所在的磁盘已满（{detail}），无法记录收到的文件。请清理磁盘空间后重新运行；本次未完成的记录已撤销，之前的记录和输出都保持不变。",
    "rollup.ledger_cantopen": "无法打开台账数据库 {path}（{detail}）。请检查该文件夹是否存在、是否有权限，或用 --ledger 指定其他位置。",
    "rollup.ledger_io": "读写台账数据库 {path} 时出错（{detail}）。请检查磁盘是否正常、文件是否被其他程序占用；本次未完成的记录已撤销。",
    "rollup.ledger_newer": "台账数据库 {path} 是较新版本的 reportkit 写的（格式版本 {version}，本程序只认识到 {ours}），为免写坏，没有打开。请升级 reportkit 后再用。",
    "rollup.ledger_unwritable": "无法在 {path} 处创建或锁定台账（{detail}）。请检查该文件夹的权限，或用 --ledger 指定一个可写的位置。",
    "rollup.output_failed": "无法写入输出文件 {path}：{detail}。之前的输出文件保持不变。",
    "rollup.input_incomplete": "这是一份不完整的汇总表（其下级有缺报或退回），汇总时会注明。",
    # whose file is it
    "unit.no_unit": "无法确定报送单位：模板信息和“填报单位”都没有写明单位。",
    "unit.unknown_unit": "填报单位“{text}”无法识别：{detail}",
    "unit.meta_mismatch": "模板信息中的单位是 {meta}，但“填报单位”写的是“{text}”（{header}），两者不一致。",
    "unit.not_subordinate": "报送单位 {unit} 不是 {parent} 的下级单位，不能汇总到 {parent}。",
    "unit.wrong_line": "报送单位是 {office}（{line}），但表格“{form}”属于{form_line}条线。",
    "milestone.unknown": "报送节点“{text}”无法识别，应为：{choices}。",
    "milestone.mismatch": "报送节点写的是“{text}”，但模板信息中的报送节点是“{meta}”，两者不一致。请确认这份报表报送的是哪一个节点。",
    "milestone.inferred": "报送节点未填写，按已填写的内容判断为“{name}”。",
    "unit.unknown_campaign": "该文件来自另一项活动（{campaign}），不属于本次活动。",
    # values: one cell parsed against its column ({where} names the cell in words)
    "value.where": "{label}（单元格 {cell}）",
    "value.huge_number": "（位数极多的数字）",
    "value.step_strip": "去掉了首尾的空格",
    "value.step_fullwidth": "全角字符转为半角",
    "value.step_unit": "去掉了单位“{unit}”",
    "value.step_thousands": "去掉了千位分隔符",
    "value.step_round": "金额最多保留 4 位小数（精确到元），四舍五入为 {value}",
    "value.step_round_places": "最多保留 {places} 位小数，四舍五入为 {value}",
    "value.step_compact_date": "按“年月日”8 位数字读取",
    "value.step_serial": "Excel 日期序号 {serial}",
    "value.step_control": "删除了 {count} 个不可见的控制字符",
    "value.step_truncated": "原有 {length} 个字符，只保留了前 {limit} 个",
    "value.not_number": "{where}：“{text}”不是数字。",
    "value.not_number.hint": "请只填写阿拉伯数字（如 5），不要写文字或符号；没有的填 0。",
    "value.not_whole": "{where}：“{text}”不是整数。",
    "value.not_whole.hint": "本栏是数量（{unit}），请填写整数。",
    "value.negative": "{where}：“{text}”是负数。",
    "value.negative.hint": "数量和金额不能为负数，请核对。",
    "value.too_large": "{where}：“{text}”太大，超过了 {limit}。",
    "value.too_large.hint": "请检查是否多填了数字或用错了单位。",
    "value.wrong_unit": "{where}：“{text}”的单位是“{detail}”，但本栏以“{unit}”计。",
    "value.wrong_unit.hint": "请换算成“{unit}”后只填写数字。",
    "value.normalized": "{where}：“{text}”已按 {value} 读取（{detail}）。",
    "value.normalized.hint": "请只填写数字，不带单位、空格和分隔符。",
    "value.normalized.hint_date": "请把单元格设为日期格式，或按 2024-06-20 的格式填写。",
    "value.rounded": "{where}：“{text}”已按 {value} 读取（{detail}）。",
    "value.rounded.hint": "罚没款、罚款以万元为单位，1 元 = 0.0001 万元。",
    "value.rounded_places": "{where}：“{text}”已按 {value} 读取（{detail}）。",
    "value.rounded_places.hint": "本栏以“{unit}”计，请按规定的小数位数填写。",
    "value.not_option": "{where}：“{text}”不是可选的内容（可选：{detail}）。",
    "value.not_option.hint": "请从下拉列表中选择。",
    "value.not_date": "{where}：“{text}”不是日期。",
    "value.not_date.hint": "请按 2024-06-20 或 2024年6月20日 的格式填写日期。",
    "value.phone_shape": "{where}：“{text}”不像电话号码。",
    "value.phone_shape.hint": "请填写座机号码（如 0538-6136817）或 11 位手机号码，多个号码用顿号分开。",
    "value.email_shape": "{where}：“{text}”不像电子邮箱地址。",
    "value.email_shape.hint": "电子邮箱应形如 name@example.com。",
    "value.control_chars": "{where}：内容中有不可见的字符，已处理（{detail}）。",
    "value.control_chars.hint": "内容可能是从其他系统复制来的，请核对。",
    "value.too_long": "{where}：内容过长，已处理（{detail}）。",
    "value.too_long.hint": "请精简内容，详细情况可写在报送的总结报告中。",
    "value.unsupported": "{where}：无法识别单元格的内容（{detail}）。",
    "value.unsupported.hint": "请填写文字、数字或日期。",
    "value.date_out_of_campaign": "{where}：日期 {value} 不在 {starts} 至 {ends} 之间。",
    "value.date_out_of_campaign.hint": "请核对填报时间是否写错了年份或月份。",
    # required cells
    "required.missing": "{where}：未填写。",
    "required.missing.hint": "“{milestone}”需要填写此项。",
    "required.missing.hint_number": "“{milestone}”需要填写此项；没有的请填 0。",
    "required.header": "{where}：未填写。",
    "required.header.hint": "请在表头填写{label}。",
    # derived cells: totals and rates are always recomputed
    "derived.mismatch": "{where}：表中的数是 {typed}，按{how}应为 {computed}，已按 {computed} 计。",
    "derived.mismatch.hint": "请核对该单元格的数字或公式。",
    "derived.how_sum": "{rows}相加",
    "derived.empty": "空",
    "derived.how_ratio": " {numerator} ÷ {denominator} ",
    "derived.not_calculated": "{where}：公式的结果是 {typed}，文件保存时公式未重新计算，已按 {computed} 计。",
    "derived.not_calculated.hint": "用 Excel 或 WPS 打开文件、保存一次即可更新公式结果。",
    "derived.denominator_from_rate": "{where}：未填写，已按{rate_label}推算为 {value}（{value} = {count} ÷ {rate}%）。",
    "derived.denominator_from_rate.hint": "推算结果可能有舍入误差，请直接填写{label}。",
    "derived.no_denominator": "{where}：未填写，也无法由所填的{rates}推算，{rates}无法计算。",
    "derived.no_denominator.hint": "请填写{label}。",
    # rules
    "rule.part_of": "其中“{part}”（{{left}}）不能多于“{whole}”（{{right}}）。",
    "rule.violated": "{where}：{message}",
    "rule.violated.hint": "请核对相关的数字。",
    "rule.invalid": "规则“{rule}”无法使用：{detail}",
    "rule.invalid.hint": "请修改活动配置文件中的这条规则。",
    "rule.syntax": "第 {pos} 个字符处{what}",
    "rule.syntax_expected_op": "缺少比较运算符（<=、<、>=、>、==、!=）",
    "rule.syntax_empty": "表达式为空或不是文字",
    "rule.syntax_char": "有无法识别的字符“{char}”",
    "rule.syntax_long_number": "数字超过 {limit} 位",
    "rule.syntax_unexpected": "有多余的“{token}”",
    "rule.syntax_end": "表达式不完整，缺少数字或字段名",
    "rule.syntax_too_deep": "括号嵌套超过 {limit} 层",
    "rule.syntax_close": "缺少右括号",
    "rule.syntax_operand": "应为数字、字段名或左括号，而不是“{token}”",
    "rule.unknown_field": "“{name}”不是表格“{form}”的字段",
    # calendar feeds (reportkit calendar)
    "calendar.name": "{campaign}·{agency}",
    "calendar.description": "{campaign}（{year}年）：{agency}的报送截止日期、下级单位报本单位的截止日期和活动阶段。截止日期均为当日结束前（北京时间）。",
    "calendar.anytime": "随时报送：{what}",
    "calendar.own.summary": "报送截止：{milestone}（报{to}）",
    "calendar.receive.summary": "下级报送截止：{milestone}（{count} 个单位）",
    "calendar.phase.summary": "活动阶段：{phase}阶段结束",
    "calendar.remind.summary": "提醒（{days} 个工作日后）：{summary}",
    "calendar.remind.lead": "{days} 个工作日后，{date}（{weekday}）截止。",
    "calendar.remind.no_data": "节假日数据不含 {year} 年，提前 {days} 个工作日按周一至周五推算，未考虑节假日和调休。",
    "calendar.offday": "（{reason}，最后工作日 {month}月{day}日）",
    "calendar.offday.holiday": "逢{holiday}假期",
    "calendar.offday.weekend": "逢周末",
    "calendar.line.date": "截止日期：{date}（{weekday}）当日结束前",
    "calendar.line.note": "注意：{note}",
    "calendar.line.what": "报送内容：{what}",
    "calendar.line.forms": "报送表格：{forms}",
    "calendar.line.sender": "报送单位：{agency}",
    "calendar.line.senders": "报送单位：{count} 个下级单位（{names}）",
    "calendar.line.to": "接收单位：{agency}",
    "calendar.line.contact": "接收联系人：{office} {name}，电话 {phones}{email}",
    "calendar.line.own_contact": "本单位联系人：{office} {name}，电话 {phones}{email}",
    "calendar.line.email": "，邮箱 {email}",
    "calendar.line.no_contact": "联系人：活动配置文件中未列出，请向{agency}确认",
    "calendar.line.template": "填报模板：{form}，可用命令生成：reportkit template --unit {unit} --form {form_id} --line {line} --children",
    "calendar.line.source": "依据：{source}",
    "calendar.line.campaign": "活动：{campaign}（{year}年）",
    "calendar.line.phase": "活动阶段：{phase}，{date}（{weekday}）前完成",
    "calendar.alarm.days": "{days} 天后截止：{summary}",
    "calendar.alarm.tomorrow": "明天截止：{summary}",
    "calendar.need_unit": "请用 --unit 指定单位，或加 --all 生成全部日历",
    "calendar.need_line": "生成单个日历需要指定条线：加 --line（{choices}），或把单位写成机关名称（如 {example}）",
    "calendar.output_is_dir": "{path} 是文件夹；单个日历请给出 .ics 文件名，或加 --all 写入文件夹",
    "calendar.output_is_file": "{path} 是文件；--all 需要一个输出文件夹",
    "calendar.not_a_calendar": "{path} 已存在，但不是 reportkit 生成的日历文件，未覆盖；请换一个文件名或先删除它",
    "calendar.wrote": "{path}（{events} 个事项）",
    "calendar.unchanged": "{path}（{events} 个事项，未变化）",
    "calendar.wrote_count": "共 {count} 个日历（{written} 个已更新，{unchanged} 个未变化），位于 {dir}",
    # subscription server (reportkit serve)
    "serve.page_title": "截止日期日历与报送情况",
    "serve.page_title_of": "{campaign}：截止日期日历与报送情况",
    "serve.feeds": "截止日期日历",
    "serve.feeds_hint": "在 Outlook、苹果日历、Google 日历或 WPS、钉钉等的日历中选择“订阅日历”（从网址添加），粘贴“订阅地址”；截止日期调整后日历会自动更新。也可以下载 .ics 文件直接导入。",
    "serve.no_feeds": "暂无日历文件。请先运行 reportkit calendar --all -o 日历文件夹。",
    "serve.col_calendar": "日历",
    "serve.col_events": "事项",
    "serve.col_subscribe": "订阅地址",
    "serve.subscribe": "webcal 订阅",
    "serve.download": "下载 .ics",
    "serve.board": "报送完成情况",
    "serve.no_rollup": "暂无汇总结果",
    "serve.board_caption": "{unit}｜{form}｜{milestone}",
    "serve.board_summary": "共 {total} 个下级单位：{parts}",
    "serve.board_unreadable": "{file}：无法读取（{detail}）",
    "serve.col_unit": "单位",
    "serve.col_code": "代码",
    "serve.col_status": "状态",
    "serve.col_received": "收到时间",
    "serve.board_as_of": "截至 {time}",
    "serve.date": "{year}年{month}月{day}日",
    "serve.footer": "reportkit {version}，只读服务",
    "serve.not_found": "找不到该页面。",
    "serve.read_only": "这是只读服务，不接受 {method} 请求。",
    "serve.listening": "日历订阅服务已启动：{url}（按 Ctrl+C 停止）",
    "serve.listening_all": "日历订阅服务已启动，监听本机所有网络地址（按 Ctrl+C 停止）。",
    "serve.lan_urls": "同事可以用以下地址访问：",
    "serve.no_lan_url": "没有找到本机的局域网地址（可在命令行运行 ipconfig 或 ip addr 查看），同事用 http://本机地址:{port}/ 访问。",
    "serve.local_url": "本机访问：{url}",
    "serve.public_url": "页面上的订阅地址使用：{url}",
    "serve.feeds_ready": "日历：活动“{campaign}”的 {count} 个日历（{written} 个已更新，{unchanged} 个未变化），保存在 {dir}",
    "serve.feeds_failed": "无法在数据目录中生成日历：{detail}（可用环境变量 REPORTKIT_HOME 换一个数据目录，或用 --calendars 指定日历文件夹）",
    "serve.not_loopback": "注意：正在监听 {host}，其他计算机也能访问这些日历和报送情况（只读）。",
    "serve.no_dir": "找不到文件夹：{path}（日历可先用 reportkit calendar --all -o {path} 生成）",
    "serve.bad_url": "网址“{url}”无效，应写成 http://主机名[:端口] 或 https://主机名[:端口]",
    "serve.cannot_listen": "无法在 {host}:{port} 上启动服务：{detail}",
    "serve.stopped": "服务已停止。",
    # Word reports (reportkit report)
    "report.no_rollup": "找不到汇总结果 {path}：{unit}的“{name}”（{ms}）还没有汇总。请先运行\n  reportkit rollup 收件箱 --unit {unit} --form {form} --milestone {ms}{line} -o {out}\n（“收件箱”换成下级单位报表所在的文件夹或 .zip），再运行本命令（--from {out}）。",
    "report.bad_rollup": "无法读取汇总结果 {path}：{detail}",
    "report.rollup_mismatch": "{path} 不是本报告所需的汇总结果：{key} 是“{got}”，应为“{want}”。",
    "report.no_detail": "{path} 中没有“明细”工作表，无法取得各单位的数据；请重新运行 reportkit rollup。",
    "report.no_report": "“{form}”没有总结报告：活动没有为这张表格写报告的措辞。",
    "report.bad_font": "字体设置“{item}”无效，应写成 角色=字体名，角色可以是：{roles}",
    "report.bad_date": "无法识别的日期“{text}”，请写成 2024-11-04",
    "report.bad_template": "Word 模板 {path} 无法使用：{detail}",
    "report.no_chart_font": "找不到能显示中文的字体，无法绘制图表。请安装 Python 包 pylopdf-fonts-zh-cn 或 Debian 软件包 fonts-noto-cjk，或用 --font chart=字体文件 指定。",
    "report.output_failed": "无法写入 {path}：{detail}。原有文件保持不变。",
    "report.wrote": "已写入报告 {path}（附件 {count} 个，其中下级单位材料 {docs} 份）。",
    "report.exists": "{path} 已存在，且与这次生成的报告不同（可能已有人在其中填写了“下一步工作”等内容），未覆盖。确需重新生成请加 --force：原文件会先另存为“{kept}”，不会丢失。",
    "report.unchanged": "报告 {path} 与这次生成的内容完全相同，未改动。",
    "report.kept": "原有的 {path} 已另存为 {kept}（其中手工填写的内容可从那里取回）。",
    "report.kept_name": "{stem}（原文件 {stamp}）{suffix}",
    "report.incomplete": "注意：汇总不完整（{detail}），报告中已注明，数据不含这些单位。",
    "report.skipped": "未编入附件：{file}——{reason}",
    "report.doc_no_unit": "无法从文件名或开头几段识别出报送单位（文件名请包含单位名称，如“泰山区应急管理局-中期总结.docx”）",
    "report.doc_not_below": "{unit}不是{parent}的下级单位",
    "report.doc_other_line": "属于{line}条线",
    "report.doc_other_milestone": "属于“{milestone}”",
    "report.doc_unreadable": "文件无法读取：{detail}",
    "report.doc_duplicate": "与 {other} 内容相同",
    "report.doc_hostile": "文件结构异常（{detail}），疑似恶意构造或已损坏，未读取",
    "report.doc_not_docx": "文件内容不是 Word 文档（.docx），未读取。请在 Word/WPS 中另存为“Word 文档（*.docx）”后重新报送",
    "report.doc_encrypted": "文件设置了打开密码（已加密）",
    "report.doc_no_body": "没有 word/document.xml",
    "report.doc_entries": "{count} 个内部文件",
    "report.doc_part_big": "{part} 解压后过大",
    "report.doc_part_lie": "{part} 的实际大小与声明不符",
    "report.doc_part_duplicate": "内部条目 {part} 重复",
    "report.doc_part_dtd": "{part} 含有 XML 实体声明",
    "report.doc_crashed": "读取时解析程序异常退出（或所需内存超过上限），文件可能已损坏或是恶意构造的，未读取",
    "report.doc_timeout": "读取超时（超过 {seconds} 秒），文件可能是恶意构造的，未读取",
    # history
    "history.head": "{unit}（{code}）报来的 {count} 个版本（最新的在前）：",
    "history.invalid": "无效（{errors} 个错误）",
    "history.exported": "已把 {count} 个版本的存档原文件取出到 {dir}：",
    # CLI
    "cli.no_such_path": "找不到文件或文件夹：{path}",
    "cli.oserror": "无法读写文件：{detail}",
    "cli.bad_datetime": "无法识别的时间“{text}”，请写成 2024-11-02 或 2024-11-02T18:00",
    "cli.no_files": "{path} 中没有找到报表文件（.xlsx、.xlsm、.xls、.ods）",
    "cli.wrote_count": "共 {count} 个文件，位于 {dir}：写入 {written} 个，{unchanged} 个已存在且内容相同（未改动）",
}


ERRNO_NAMES: dict[str, str] = {
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "ENOENT": "不存在",
    "ENOTDIR": "路径中有一段不是文件夹",
    "EISDIR": "这是一个文件夹",
    "EEXIST": "已存在",
    "ENOSPC": "磁盘空间已满",
    "EROFS": "位于只读的磁盘上",
    "ENAMETOOLONG": "文件名太长",
    "EBUSY": "正被其他程序占用",
}


def describe_oserror(e: OSError, with_file: bool = True) -> str:
    """An operating-system error in Chinese, naming the file: 'out/x：路径中有一段不是文件夹'."""
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    reason = ERRNO_NAMES.get(name) or (e.strerror or str(e))
    where = e.filename if e.filename is not None and with_file else ""
    return f"{where}：{reason}" if where else reason


def chinese_date(day: dt.date) -> str:
    """2024年11月1日: a date as people write it (no spaces: it never wraps inside)."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_time(moment: dt.datetime) -> str:
    """2024年11月1日 18:00."""
    return f"{chinese_date(moment)} {moment:%H:%M}"


def msg(code: str, /, **values: object) -> str:
    """Format the catalogue message `code` with `values`."""
    return MESSAGES[code].format(**values)
